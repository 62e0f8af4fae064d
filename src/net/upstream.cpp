#include "yws/net/upstream.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include "yws/crdt/doc.hpp"

namespace yws::net {

namespace {

// Runs on the room's strand: the executor the provider uses is the room's, so the doc is
// touched only there, as the room requires.
class upstream_room final : public upstream_provider {
 public:
  upstream_room(room_access& room, std::string url, provider_options opts)
      : url_(std::move(url)),
        logger_(opts.logger),
        provider_(room.handle().get_executor(), room.doc(), url_, std::move(opts)) {}

  void start() override {
    if (auto ok = provider_.start(); !ok) {
      auto& log = logger_ ? *logger_ : *spdlog::default_logger_raw();
      log.error("msg=\"upstream provider cannot start\" url={} error=\"{}\"", url_, ok.error().message());
    }
  }
  // The close finishes on its own after this object is gone, without touching the doc.
  void stop() override { provider_.close(); }

 private:
  std::string url_;
  std::shared_ptr<spdlog::logger> logger_;
  provider provider_;
};

}  // namespace

upstream_factory make_upstream_factory(std::string base_url, provider_options opts) {
  return [base = std::move(base_url), opts = std::move(opts)](room_access& room) -> std::unique_ptr<upstream_provider> {
    return std::make_unique<upstream_room>(room, room_url(base, room.name()), opts);
  };
}

}  // namespace yws::net
