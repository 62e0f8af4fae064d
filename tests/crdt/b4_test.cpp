// The B4 benchmark data: the automerge-paper editing trace replayed as local edits, and the
// same document loaded from updates made by yrs (b4-update.bin) and Yjs (automerge-paper.yjs-*).
#include <gtest/gtest.h>

#include "test_util.hpp"
#include "yws/crdt/doc.hpp"
#include "yws/encoding/decoder.hpp"

namespace yws::crdt {
namespace {

constexpr std::uint32_t final_length = 104852;

// Replays b4-editing-trace.bin into getText("text") of a doc with client id 1, one transaction
// per edit (as the Yjs fixture automerge-paper.yjs-update-v1.bin was made).
void replay_trace(doc& d) {
  const auto bytes = test::read_file(test::shared_fixture("b4-editing-trace.bin"));
  encoding::decoder dec(bytes);
  auto t = d.get_text("text");
  const auto n = dec.read_var_uint();
  ASSERT_TRUE(n);
  for (std::uint64_t i = 0; i < *n; ++i) {
    const auto kind = dec.read_u8();
    const auto index = dec.read_var_uint32();
    ASSERT_TRUE(kind && index);
    if (*kind == 1) {
      const auto chunk = dec.read_var_string_view();
      ASSERT_TRUE(chunk);
      t.insert(*index, *chunk);
    } else {
      const auto len = dec.read_var_uint32();
      ASSERT_TRUE(len);
      t.erase(*index, *len);
    }
  }
}

class B4 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    replayed_ = new doc(test::with_client(1));
    replay_trace(*replayed_);
  }
  static void TearDownTestSuite() {
    delete replayed_;
    replayed_ = nullptr;
  }
  static doc* replayed_;
};
doc* B4::replayed_ = nullptr;

TEST_F(B4, TraceReplayEqualsYjsByteForByte) {
  auto t = replayed_->get_text("text");
  EXPECT_EQ(t.length(), final_length);
  const auto yjs = test::read_file(test::shared_fixture("automerge-paper.yjs-update-v1.bin"));
  const auto ours = encode_state_as_update_v1(*replayed_);
  EXPECT_EQ(ours.size(), yjs.size());
  EXPECT_TRUE(ours == yjs) << "the replayed trace does not encode as Yjs encodes it";
}

TEST_F(B4, YjsUpdateLoads) {
  const auto yjs = test::read_file(test::shared_fixture("automerge-paper.yjs-update-v1.bin"));
  doc d(test::with_client(7));
  ASSERT_TRUE(apply_update_v1(d, yjs));
  auto t = d.get_text("text");
  EXPECT_EQ(t.length(), final_length);
  EXPECT_EQ(t.to_string(), replayed_->get_text("text").to_string());
  EXPECT_EQ(encode_state_as_update_v1(d), yjs);
}

TEST_F(B4, YrsUpdateLoadsAndReencodes) {
  const auto b4 = test::read_file(test::shared_fixture("b4-update.bin"));
  doc d(test::with_client(7));
  ASSERT_TRUE(apply_update_v1(d, b4));
  auto t = d.get_text("text");
  EXPECT_EQ(t.length(), final_length);
  EXPECT_EQ(t.to_string(), replayed_->get_text("text").to_string());
  const auto again = encode_state_as_update_v1(d);
  doc e(test::with_client(8));
  ASSERT_TRUE(apply_update_v1(e, again));
  EXPECT_EQ(e.get_text("text").to_string(), t.to_string());
  EXPECT_EQ(encode_state_as_update_v1(e), again);
  EXPECT_FALSE(d.has_pending());
}

}  // namespace
}  // namespace yws::crdt
