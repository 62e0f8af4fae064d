// A bot that joins a room with net::provider on its own io_context: once synced it appends a line
// to the text root "log", waits until the server confirmed it, prints the document and leaves.
//
//   provider_client ws://127.0.0.1:1234/notes "hello from C++"
#include <cstdio>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"
#include "yws/net/provider.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s ws://host:port/room TEXT\n", argv[0]);
    return 2;
  }
  boost::asio::io_context ioc;
  auto strand = boost::asio::make_strand(ioc);  // the doc lives here, with the provider's I/O
  yws::crdt::doc doc;
  yws::net::provider_options opts;
  opts.reconnect = false;  // a one-shot bot: give up when the server is not there
  yws::net::provider provider(strand, doc, argv[1], opts);
  const std::string line = std::string(argv[2]) + "\n";
  int status = 1;
  provider.set_on_synced([&](bool synced) {
    if (!synced || status == 0) return;
    auto log = doc.get_text("log");
    log.insert(log.length(), line);
    provider.flush([&](bool confirmed) {
      if (confirmed) {
        std::printf("%s\n", yws::encoding::to_json(doc.to_json()).c_str());
        status = 0;
      }
      provider.close();
    });
  });
  if (auto ok = provider.start(); !ok) {
    std::fprintf(stderr, "bad URL %s: %s\n", argv[1], ok.error().message().c_str());
    return 2;
  }
  ioc.run();  // returns once the provider closed
  return status;
}
