// Replays data/local_ops.jsonl (made by gen_local_ops.mjs with yjs 13.6.33): two docs doing
// random local edits (text with formats and embeds, arrays, maps, xml, nested types) and syncing.
// Every operation must emit the bytes Yjs emitted, and the docs must end in Yjs' states.
#include <gtest/gtest.h>

#include <fstream>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/json.hpp"

namespace yws::crdt {
namespace {

using encoding::any;

shared_type root_of(doc& d, const std::string& name) {
  if (name == "t") return d.get_text("t");
  if (name == "a") return d.get_array("a");
  if (name == "m") return d.get_map("m");
  return d.get_xml_fragment("x");
}

shared_type resolve(doc& d, const any& path) {
  const auto& steps = path.as_array();
  shared_type t = root_of(d, steps[0].as_string());
  for (std::size_t i = 1; i < steps.size(); ++i) {
    value v;
    if (steps[i].is_number()) {
      const auto index = static_cast<std::uint32_t>(steps[i].as_number());
      if (t.kind() == type_kind::array) {
        v = t.as_array().get(index);
      } else {
        v = *t.as_xml_fragment().get(index);
      }
    } else {
      v = *t.as_map().get(steps[i].as_string());
    }
    t = std::get<shared_type>(v);
  }
  return t;
}

type_kind kind_of(const std::string& k) {
  if (k == "array") return type_kind::array;
  if (k == "map") return type_kind::map;
  if (k == "text") return type_kind::text;
  if (k == "xmlFragment") return type_kind::xml_fragment;
  return type_kind::xml_text;
}

encoding::any_object attrs_of(const any& op) {
  const any* a = op.find("attrs");
  return a == nullptr ? encoding::any_object{} : a->as_object();
}

void run_op(doc& d, const any& op) {
  const std::string name = op.find("op")->as_string();
  shared_type t = resolve(d, *op.find("path"));
  auto num = [&](const char* key) { return static_cast<std::uint32_t>(op.find(key)->as_number()); };
  if (name == "text.insert") {
    t.as_text().insert(num("index"), op.find("text")->as_string(), attrs_of(op));
  } else if (name == "text.delete") {
    t.as_text().erase(num("index"), num("len"));
  } else if (name == "text.format") {
    t.as_text().format(num("index"), num("len"), attrs_of(op));
  } else if (name == "text.embed") {
    t.as_text().insert_embed(num("index"), *op.find("embed"), attrs_of(op));
  } else if (name == "array.insert") {
    t.as_array().insert(num("index"), op.find("values")->as_array());
  } else if (name == "array.push") {
    t.as_array().push(op.find("values")->as_array());
  } else if (name == "array.insertType") {
    t.as_array().insert_type(num("index"), kind_of(op.find("kind")->as_string()));
  } else if (name == "array.delete") {
    t.as_array().erase(num("index"), num("len"));
  } else if (name == "map.set") {
    t.as_map().set(op.find("key")->as_string(), *op.find("value"));
  } else if (name == "map.setType") {
    t.as_map().set_type(op.find("key")->as_string(), kind_of(op.find("kind")->as_string()));
  } else if (name == "map.delete") {
    t.as_map().erase(op.find("key")->as_string());
  } else if (name == "xml.insertElement") {
    t.as_xml_fragment().insert_element(num("index"), op.find("name")->as_string());
  } else if (name == "xml.insertText") {
    t.as_xml_fragment().insert_text(num("index"));
  } else if (name == "xml.delete") {
    t.as_xml_fragment().erase(num("index"), num("len"));
  } else if (name == "xml.setAttr") {
    t.as_xml_element().set_attribute(op.find("key")->as_string(), *op.find("value"));
  } else if (name == "xml.removeAttr") {
    t.as_xml_element().remove_attribute(op.find("key")->as_string());
  } else {
    FAIL() << "unknown op " << name;
  }
}

TEST(LocalOps, ReplayMatchesYjsByteForByte) {
  std::ifstream in(std::string(YWS_SOURCE_DIR) + "/tests/crdt/data/local_ops.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  int sessions = 0;
  while (std::getline(in, line)) {
    const auto parsed = encoding::parse_json(line);
    ASSERT_TRUE(parsed);
    const any& s = *parsed;
    const auto seed = static_cast<int>(s.find("seed")->as_number());
    std::vector<std::unique_ptr<doc>> docs;
    std::vector<std::vector<std::vector<std::uint8_t>>> emitted(2);
    std::vector<subscription> subs;
    for (int i = 0; i < 2; ++i) {
      docs.push_back(std::make_unique<doc>(test::with_client(static_cast<std::uint64_t>(s.find("clients")->as_array()[i].as_number()))));
      subs.push_back(docs[i]->on_update([&emitted, i](std::span<const std::uint8_t> u, origin) { emitted[i].emplace_back(u.begin(), u.end()); }));
    }
    int step = 0;
    for (const any& ev : s.find("events")->as_array()) {
      const auto who = static_cast<std::size_t>(ev.find("doc")->as_number());
      emitted[who].clear();
      if (const any* sync = ev.find("sync")) {
        const auto bytes = test::from_hex(sync->as_string());
        // Yjs' sync step 2 bytes: yws computes the same for the same state vector.
        EXPECT_EQ(test::to_hex(encode_state_as_update_v1(*docs[1 - who], docs[who]->state())), test::to_hex(bytes))
            << "seed " << seed << " step " << step;
        ASSERT_TRUE(apply_update_v1(*docs[who], bytes));
      } else {
        run_op(*docs[who], *ev.find("op"));
        if (HasFatalFailure()) return;
      }
      const auto& want = ev.find("emitted")->as_array();
      ASSERT_EQ(emitted[who].size(), want.size()) << "seed " << seed << " step " << step << " " << encoding::to_json(ev);
      for (std::size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ(test::to_hex(emitted[who][k]), test::to_hex(test::from_hex(want[k].as_string())))
            << "seed " << seed << " step " << step << " " << encoding::to_json(ev);
      }
      ++step;
    }
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(test::to_hex(encode_state_as_update_v1(*docs[i])),
                test::to_hex(test::from_hex(s.find("final")->as_array()[i].as_string())))
          << "seed " << seed << " doc " << i;
      const auto want = encoding::parse_json(s.find("json")->as_array()[i].as_string());
      ASSERT_TRUE(want);
      const any got = any(encoding::any_object{{"t", docs[i]->get_text("t").to_delta()},
                                               {"a", docs[i]->get_array("a").to_json()},
                                               {"m", docs[i]->get_map("m").to_json()},
                                               {"x", docs[i]->get_xml_fragment("x").to_string()}});
      EXPECT_EQ(encoding::to_json(got), encoding::to_json(*want)) << "seed " << seed << " doc " << i;
    }
    ++sessions;
  }
  EXPECT_EQ(sessions, 60);
}

// Yjs compares attribute values with `===`. The format item that restores an attribute after an
// embed holds the very object of the format it restores, so deleting the embed makes it redundant
// (cleanupFormattingGap deletes it too: clocks 4..6). Differential seeds 770 and 9667.
TEST(LocalOps, RestoredAttributeIsTheSameObjectAsTheOriginal) {
  doc d(test::with_client(1, false));
  test::update_log log(d);
  auto t = d.get_text("t");
  t.insert(0, "ab", encoding::any_object{{"link", any(encoding::any_object{{"href", "x"}})}});
  t.insert_embed(1, any(encoding::any_object{{"e", 1}}));
  t.erase(1, 1);
  ASSERT_EQ(log.updates.size(), 3u);
  EXPECT_EQ(test::to_hex(log.updates[2]), test::to_hex(test::from_hex("000101010403")));
  EXPECT_EQ(test::state_hex(d),
            test::to_hex(test::from_hex(
                "0107010006010174046c696e6b0c7b2268726566223a2278227d84010001618401010162860102046c696e6b046e756c6cc6"
                "01010102046c696e6b046e756c6cc501040102077b2265223a317dc601050102046c696e6b0c7b2268726566223a2278227d"
                "0101010403")));
}

}  // namespace
}  // namespace yws::crdt
