#include "yws/protocol/message.hpp"


#include "yws/encoding/decoder.hpp"

namespace yws::protocol {
namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

result<message> read_sync(encoding::decoder& dec) {
  YWS_TRY(type, dec.read_var_uint());
  YWS_TRY(payload, dec.read_var_bytes());
  switch (type) {
    case static_cast<std::uint64_t>(sync_type::step1): return message{sync_step1{payload}};
    case static_cast<std::uint64_t>(sync_type::step2): return message{sync_step2{payload}};
    case static_cast<std::uint64_t>(sync_type::update): return message{sync_update{payload}};
    default: return errc::unknown_message_type;
  }
}

result<message> read_auth(encoding::decoder& dec) {
  YWS_TRY(type, dec.read_var_uint());
  switch (type) {
    case static_cast<std::uint64_t>(auth_type::permission_denied): {
      YWS_TRY(reason, dec.read_var_string_view());
      return message{auth_message{auth_type::permission_denied, reason}};
    }
    case static_cast<std::uint64_t>(auth_type::permission_granted):
      return message{auth_message{auth_type::permission_granted, {}}};
    default: return errc::unknown_message_type;
  }
}

result<message> read_one(encoding::decoder& dec) {
  YWS_TRY(type, dec.read_var_uint());
  switch (type) {
    case static_cast<std::uint64_t>(message_type::sync): return read_sync(dec);
    case static_cast<std::uint64_t>(message_type::awareness): {
      YWS_TRY(payload, dec.read_var_bytes());
      return message{awareness_message{payload}};
    }
    case static_cast<std::uint64_t>(message_type::auth): return read_auth(dec);
    case static_cast<std::uint64_t>(message_type::query_awareness): return message{query_awareness{}};
    default: return errc::unknown_message_type;
  }
}

void write_sync(encoding::encoder& enc, sync_type type, std::span<const std::uint8_t> payload) {
  enc.write_var_uint(static_cast<std::uint64_t>(message_type::sync));
  enc.write_var_uint(static_cast<std::uint64_t>(type));
  enc.write_var_bytes(payload);
}

}  // namespace

message_type type_of(const message& m) noexcept {
  return std::visit(overloaded{
                        [](const sync_step1&) { return message_type::sync; },
                        [](const sync_step2&) { return message_type::sync; },
                        [](const sync_update&) { return message_type::sync; },
                        [](const awareness_message&) { return message_type::awareness; },
                        [](const auth_message&) { return message_type::auth; },
                        [](const query_awareness&) { return message_type::query_awareness; },
                    },
                    m);
}

bool is_document_write(const message& m) noexcept {
  return std::holds_alternative<sync_step2>(m) || std::holds_alternative<sync_update>(m);
}

result<message> message_reader::next() {
  encoding::decoder dec(rest_);
  auto m = read_one(dec);
  // On error the message's end is unknown: give up on the rest of the frame.
  rest_ = m ? dec.rest() : std::span<const std::uint8_t>{};
  return m;
}

result<message> decode_message(std::span<const std::uint8_t> frame) {
  if (frame.empty()) return errc::malformed_message;
  message_reader reader(frame);
  YWS_TRY(m, reader.next());
  if (!reader.at_end()) return errc::malformed_message;
  return m;
}

void write_message(encoding::encoder& enc, const message& m) {
  std::visit(overloaded{
                 [&](const sync_step1& s) { write_sync(enc, sync_type::step1, s.state_vector); },
                 [&](const sync_step2& s) { write_sync(enc, sync_type::step2, s.update); },
                 [&](const sync_update& s) { write_sync(enc, sync_type::update, s.update); },
                 [&](const awareness_message& a) {
                   enc.write_var_uint(static_cast<std::uint64_t>(message_type::awareness));
                   enc.write_var_bytes(a.update);
                 },
                 [&](const auth_message& a) {
                   enc.write_var_uint(static_cast<std::uint64_t>(message_type::auth));
                   enc.write_var_uint(static_cast<std::uint64_t>(a.type));
                   if (a.type == auth_type::permission_denied) {
                     // The reason is written as raw bytes so that a decoded message re-encodes
                     // to the bytes it came from, even when they are not valid UTF-8.
                     const auto* p = reinterpret_cast<const std::uint8_t*>(a.reason.data());
                     enc.write_var_bytes(std::span<const std::uint8_t>(p, a.reason.size()));
                   }
                 },
                 [&](const query_awareness&) {
                   enc.write_var_uint(static_cast<std::uint64_t>(message_type::query_awareness));
                 },
             },
             m);
}

std::vector<std::uint8_t> encode_message(const message& m) {
  encoding::encoder enc;
  write_message(enc, m);
  return std::move(enc).take();
}

std::vector<std::uint8_t> encode_sync_message(sync_type type, std::span<const std::uint8_t> payload) {
  // Type bytes plus the longest varUint length prefix (10 bytes) plus the payload: one allocation.
  encoding::encoder enc(payload.size() + 12);
  write_sync(enc, type, payload);
  return std::move(enc).take();
}

std::vector<std::uint8_t> encode_sync_update(std::span<const std::uint8_t> update) {
  return encode_sync_message(sync_type::update, update);
}

std::vector<std::uint8_t> encode_awareness_message(std::span<const std::uint8_t> awareness_update) {
  return encode_message(awareness_message{awareness_update});
}

std::vector<std::uint8_t> encode_query_awareness() { return encode_message(query_awareness{}); }

std::vector<std::uint8_t> encode_permission_denied(std::string_view reason) {
  // Through the encoder's string writer, so a reason with invalid UTF-8 is sent as JS would send
  // the same (replaced) string.
  encoding::encoder enc(reason.size() + 12);
  enc.write_var_uint(static_cast<std::uint64_t>(message_type::auth));
  enc.write_var_uint(static_cast<std::uint64_t>(auth_type::permission_denied));
  enc.write_var_string(reason);
  return std::move(enc).take();
}

std::vector<std::uint8_t> encode_permission_granted() {
  return encode_message(auth_message{auth_type::permission_granted, {}});
}

}  // namespace yws::protocol
