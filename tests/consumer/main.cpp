// Uses the installed yws library the way an application would: lib0 encoding, a CRDT document
// edited and synced to a second one, and an embedded sync server started on an ephemeral port.
#include <yws/crdt/doc.hpp>
#include <yws/encoding/decoder.hpp>
#include <yws/encoding/encoder.hpp>
#include <yws/net/server.hpp>

#include <cstdio>

namespace {

int fail(const char* what) {
  std::printf("consumer: %s failed\n", what);
  return 1;
}

}  // namespace

int main() {
  yws::encoding::encoder enc;
  enc.write_var_string("yws");
  enc.write_any(yws::encoding::any_object{{"k", 1}});
  yws::encoding::decoder dec(enc.data());
  auto s = dec.read_var_string();
  auto a = dec.read_any();
  if (!s || *s != "yws" || !a || !a->is_object() || !dec.at_end()) return fail("encoding round trip");

  yws::crdt::doc local;
  local.get_text("text").insert(0, "hello");
  yws::crdt::doc remote;
  if (!yws::crdt::apply_update_v1(remote, yws::crdt::encode_state_as_update_v1(local))) return fail("apply");
  if (remote.get_text("text").to_string() != "hello") return fail("crdt sync");

  yws::net::server_options opts;
  opts.port = 0;
  opts.threads = 1;
  yws::net::server srv(opts);
  if (!srv.start()) return fail("server start");
  const bool bound = srv.local_port() != 0;
  srv.stop();
  if (!bound) return fail("server bind");

  std::puts("consumer: ok");
  return 0;
}
