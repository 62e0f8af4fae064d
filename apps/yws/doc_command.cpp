// `yws doc`: offline tools over Yjs v1 update files.
//
//   yws doc apply [options] FILE...   apply updates in order to a fresh doc and print its state
//   yws doc dump FILE                 list the structs and delete set of one update
//
// `-` as a FILE reads stdin. Output of `apply`, chosen by one flag:
//   --json          (default) doc.to_json() as JSON text, one line. Roots are known by name only
//                   until typed; --text/--array/--map/--xml-fragment NAME type them first, as
//                   a Yjs program would with getText(NAME)...
//   --update        encode_state_as_update_v1: raw bytes, or a hex line with --hex
//   --state-vector  {"<client>": clock, ...} as JSON (keys in JS object order), or the v1
//                   encoding as a hex line with --hex
// Errors (unreadable file, malformed update) print one line naming the file on stderr and exit 1.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "commands.hpp"
#include "hex.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/any.hpp"
#include "yws/encoding/json.hpp"

namespace yws::app {
namespace {

struct apply_options {
  std::vector<std::string> files;
  std::optional<std::uint64_t> client_id;
  bool no_gc = false;
  std::vector<std::string> text_roots;
  std::vector<std::string> array_roots;
  std::vector<std::string> map_roots;
  std::vector<std::string> xml_fragment_roots;
  bool json = false;
  bool update = false;
  bool state_vector = false;
  bool hex = false;
};

// Prints "yws doc <sub>: <message>" on stderr and makes the command fail.
void fail(const char* sub, const std::string& message) {
  std::fprintf(stderr, "yws doc %s: %s\n", sub, message.c_str());
  exit_code = 1;
}

// Reads all of `path` ("-" = stdin). On failure returns nullopt with a message in `error`.
std::optional<std::vector<std::uint8_t>> read_input(const std::string& path, std::string& error) {
  const bool from_stdin = path == "-";
  std::FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = std::string("cannot open ") + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<std::uint8_t> out;
  std::uint8_t chunk[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
  const bool failed = std::ferror(f) != 0;
  const int read_errno = errno;
  if (!from_stdin) std::fclose(f);
  if (failed) {
    error = std::string("cannot read ") + (from_stdin ? "stdin" : path) + ": " + std::strerror(read_errno);
    return std::nullopt;
  }
  return out;
}

void write_line(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

std::string state_vector_json(const crdt::state_vector& sv) {
  encoding::any_object clients;
  for (const auto& [client, clock] : sv.clients()) {
    clients.emplace_back(std::to_string(client), encoding::any(static_cast<double>(clock)));
  }
  return encoding::to_json(encoding::any(std::move(clients)));
}

void run_apply(const apply_options& opts) {
  if (opts.hex && !opts.update && !opts.state_vector) {
    fail("apply", "--hex goes with --update or --state-vector");
    return;
  }
  crdt::doc::options doc_opts;
  doc_opts.client_id = opts.client_id;
  doc_opts.gc = !opts.no_gc;
  crdt::doc d(std::move(doc_opts));
  for (const auto& name : opts.text_roots) d.get_text(name);
  for (const auto& name : opts.array_roots) d.get_array(name);
  for (const auto& name : opts.map_roots) d.get_map(name);
  for (const auto& name : opts.xml_fragment_roots) d.get_xml_fragment(name);

  bool stdin_used = false;
  for (const auto& file : opts.files) {
    const char* shown = file == "-" ? "stdin" : file.c_str();
    if (file == "-") {
      if (stdin_used) {
        fail("apply", "stdin (-) can be given only once");
        return;
      }
      stdin_used = true;
    }
    std::string error;
    auto bytes = read_input(file, error);
    if (!bytes) {
      fail("apply", error);
      return;
    }
    auto applied = crdt::apply_update_v1(d, *bytes);
    if (!applied) {
      fail("apply", std::string(shown) + ": not a valid v1 update: " + applied.error().message());
      return;
    }
  }
  if (d.has_pending()) {
    std::fputs("yws doc apply: warning: some updates wait for missing dependencies (pending)\n", stderr);
  }

  if (opts.update) {
    auto update = crdt::encode_state_as_update_v1(d);
    if (opts.hex) {
      write_line(to_hex(update));
    } else {
      std::fwrite(update.data(), 1, update.size(), stdout);
    }
  } else if (opts.state_vector) {
    write_line(opts.hex ? to_hex(crdt::encode_state_vector_v1(d)) : state_vector_json(d.state()));
  } else {
    write_line(encoding::to_json(d.to_json()));
  }
}

void run_dump(const std::string& file) {
  std::string error;
  auto bytes = read_input(file, error);
  if (!bytes) {
    fail("dump", error);
    return;
  }
  auto text = crdt::describe_update_v1(*bytes);
  if (!text) {
    fail("dump", (file == "-" ? std::string("stdin") : file) + ": not a valid v1 update: " +
                     text.error().message());
    return;
  }
  std::fwrite(text->data(), 1, text->size(), stdout);
  if (text->empty() || text->back() != '\n') std::fputc('\n', stdout);
}

// Runs `fn`, turning an escaped exception (a broken invariant) into a message and exit code 1
// rather than a crash.
template <class Fn>
void guarded(const char* sub, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    fail(sub, std::string("internal error: ") + e.what());
  }
  if (std::fflush(stdout) != 0 && exit_code == 0) fail(sub, "cannot write to stdout");
}

}  // namespace

CLI::App* add_doc_command(CLI::App& app) {
  auto* doc = app.add_subcommand("doc", "Inspect and combine Yjs v1 update files");
  doc->require_subcommand(1);

  auto opts = std::make_shared<apply_options>();
  auto* apply = doc->add_subcommand("apply", "Apply v1 updates in order to a fresh doc and print its state");
  apply->add_option("files", opts->files, "Update files, applied in order (- reads stdin)")->required();
  apply->add_option("--client-id", opts->client_id, "Client id of the doc (default: random)")
      ->check(CLI::Range(std::uint64_t{0}, (std::uint64_t{1} << 53) - 1));
  apply->add_flag("--no-gc", opts->no_gc, "Keep deleted content (Yjs gc: false)");
  // One NAME per occurrence (repeat the flag for more), so that FILEs are not taken as names.
  auto root_option = [&](const char* flag, std::vector<std::string>& names, const char* help) {
    apply->add_option(flag, names, help)->type_name("NAME")->expected(1)->allow_extra_args(false)->multi_option_policy(
        CLI::MultiOptionPolicy::TakeAll);
  };
  root_option("--text", opts->text_roots, "Type root NAME as a text before applying (repeatable)");
  root_option("--array", opts->array_roots, "Type root NAME as an array before applying (repeatable)");
  root_option("--map", opts->map_roots, "Type root NAME as a map before applying (repeatable)");
  root_option("--xml-fragment", opts->xml_fragment_roots, "Type root NAME as an xml fragment before applying (repeatable)");
  auto* json = apply->add_flag("--json", opts->json, "Print doc.to_json() as JSON (the default)");
  auto* update = apply->add_flag("--update", opts->update, "Print encode_state_as_update_v1 (raw bytes)");
  auto* sv = apply->add_flag("--state-vector", opts->state_vector,
                             "Print the state vector as JSON {\"client\": clock}");
  json->excludes(update)->excludes(sv);
  update->excludes(sv);
  apply->add_flag("--hex", opts->hex, "With --update or --state-vector: print the v1 bytes as hex");
  apply->callback([opts] { guarded("apply", [&] { run_apply(*opts); }); });

  auto dump_file = std::make_shared<std::string>();
  auto* dump = doc->add_subcommand("dump", "List the structs and delete set of a v1 update");
  dump->add_option("file", *dump_file, "Update file (- reads stdin)")->required();
  dump->callback([dump_file] { guarded("dump", [&] { run_dump(*dump_file); }); });
  return doc;
}

}  // namespace yws::app
