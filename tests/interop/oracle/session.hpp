// The oracle's state: named yws docs driven by JSON requests, one per line (see
// tests/interop/README.md for the protocol).
//
// Every request yields exactly one response object: {"id"?, "ok": true, ...} or
// {"id"?, "error": "..."}; a bad request never ends the session.
//
// Thread safety: none. Lifetime: owns its docs.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ops.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"

namespace yws::interop {

class request;

class session {
 public:
  // Handles one request line and returns the response line (JSON, without the newline).
  std::string handle_line(std::string_view line);

 private:
  struct doc_entry {
    std::unique_ptr<crdt::doc> doc;
    root_types roots;
    std::vector<std::string> emitted;  // hex v1 updates not yet reported
    crdt::subscription on_update;      // declared after `doc`: destroyed before it
  };

  // Fills `out` (the response fields); errors are recorded in `r`.
  void dispatch(request& r, encoding::any_object& out);
  doc_entry* find_doc(request& r);
  crdt::origin intern_origin(request& r);
  encoding::any take_emitted(doc_entry& e);

  void cmd_create(request& r, encoding::any_object& out);
  void cmd_destroy(request& r, encoding::any_object& out);
  void cmd_open_root(request& r, encoding::any_object& out);
  void cmd_apply(request& r, encoding::any_object& out);
  void cmd_transact(request& r, encoding::any_object& out);
  void cmd_json(request& r, encoding::any_object& out);
  void cmd_state_vector(request& r, encoding::any_object& out);
  void cmd_encode_state_as_update(request& r, encoding::any_object& out);
  void cmd_state(request& r, encoding::any_object& out);
  void cmd_read(request& r, encoding::any_object& out);
  void cmd_describe(request& r, encoding::any_object& out);

  std::map<std::string, std::unique_ptr<doc_entry>, std::less<>> docs_;
  std::set<std::string, std::less<>> origins_;  // interned, so an origin is a stable address
};

}  // namespace yws::interop
