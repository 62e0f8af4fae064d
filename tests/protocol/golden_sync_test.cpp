// Byte equality with y-protocols 1.0.7 for sync messages: the docs recorded in
// tests/fixtures/protocol/golden.json, rebuilt here from their state.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/golden.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/protocol/sync.hpp"

namespace yws::protocol {
namespace {

using test::bytes_of;
using test::hex;
using test::list;
using test::text;

const char remote = 'r';

TEST(GoldenSync, StepOneAndStepTwoOfKnownDocs) {
  const auto& docs = list(test::golden(), "docs");
  ASSERT_FALSE(docs.empty());
  for (const auto& d : docs) {
    SCOPED_TRACE(text(d, "name"));
    crdt::doc doc(test::with_client(999));
    ASSERT_TRUE(crdt::apply_update_v1(doc, bytes_of(d, "update")));

    const auto step1 = bytes_of(d, "sync_step1");
    EXPECT_EQ(hex(encode_sync_step1(doc)), hex(step1));
    auto m1 = decode_message(step1);
    ASSERT_TRUE(m1);
    ASSERT_TRUE(std::holds_alternative<sync_step1>(*m1));
    EXPECT_EQ(hex(std::get<sync_step1>(*m1).state_vector), hex(crdt::encode_state_vector_v1(doc)));

    for (const auto& s : list(d, "sync_step2")) {
      const auto sv = bytes_of(s, "remote_sv");
      SCOPED_TRACE("remote sv " + hex(sv));
      auto direct = encode_sync_step2(doc, sv);
      ASSERT_TRUE(direct) << direct.error().message();
      EXPECT_EQ(hex(*direct), text(s, "hex"));
      // Through the handler, as the answer to the peer's step 1.
      auto reply = handle_sync(doc, sync_step1{sv}, &remote);
      ASSERT_TRUE(reply) << reply.error().message();
      EXPECT_EQ(hex(reply->reply), text(s, "hex"));
    }
  }
}

TEST(GoldenSync, UpdateMessagesRebuildTheDoc) {
  for (const auto& d : list(test::golden(), "docs")) {
    SCOPED_TRACE(text(d, "name"));
    crdt::doc expected(test::with_client(999));
    ASSERT_TRUE(crdt::apply_update_v1(expected, bytes_of(d, "update")));
    crdt::doc rebuilt(test::with_client(998));
    for (const auto& u : list(d, "updates")) {
      const auto update = bytes_of(u, "update");
      const auto frame = bytes_of(u, "hex");
      EXPECT_EQ(hex(encode_sync_update(update)), hex(frame));
      auto m = decode_message(frame);
      ASSERT_TRUE(m);
      auto r = handle_sync(rebuilt, *m, &remote);
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_TRUE(r->reply.empty());
    }
    EXPECT_EQ(rebuilt.state(), expected.state());
    EXPECT_EQ(rebuilt.to_json(), expected.to_json());
  }
}

}  // namespace
}  // namespace yws::protocol
