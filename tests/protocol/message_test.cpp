#include "yws/protocol/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/test_util.hpp"

namespace yws::protocol {
namespace {

using bytes = std::vector<std::uint8_t>;
using test::span_of;

TEST(Message, SyncStep1RoundTrip) {
  const bytes sv{0x01, 0x01, 0x03};
  auto frame = encode_sync_message(sync_type::step1, sv);
  EXPECT_EQ(frame, (bytes{0x00, 0x00, 0x03, 0x01, 0x01, 0x03}));
  auto m = decode_message(frame);
  ASSERT_TRUE(m) << m.error().message();
  const auto* s = std::get_if<sync_step1>(&*m);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(bytes(s->state_vector.begin(), s->state_vector.end()), sv);
  EXPECT_EQ(type_of(*m), message_type::sync);
  EXPECT_FALSE(is_document_write(*m));
  // A zero-copy view into the frame.
  EXPECT_EQ(s->state_vector.data(), frame.data() + 3);
}

TEST(Message, SyncStep2AndUpdateRoundTrip) {
  const bytes update{0x00, 0x00};
  auto step2 = encode_sync_message(sync_type::step2, update);
  EXPECT_EQ(step2, (bytes{0x00, 0x01, 0x02, 0x00, 0x00}));
  auto upd = encode_sync_update(update);
  EXPECT_EQ(upd, (bytes{0x00, 0x02, 0x02, 0x00, 0x00}));

  auto m2 = decode_message(step2);
  ASSERT_TRUE(m2);
  ASSERT_TRUE(std::holds_alternative<sync_step2>(*m2));
  EXPECT_EQ(std::get<sync_step2>(*m2).update.size(), 2u);
  EXPECT_TRUE(is_document_write(*m2));

  auto mu = decode_message(upd);
  ASSERT_TRUE(mu);
  ASSERT_TRUE(std::holds_alternative<sync_update>(*mu));
  EXPECT_TRUE(is_document_write(*mu));
  EXPECT_EQ(encode_message(*mu), upd);
}

TEST(Message, AwarenessRoundTrip) {
  const bytes update{0x01, 0x05, 0x01, 0x04, 'n', 'u', 'l', 'l'};
  auto frame = encode_awareness_message(update);
  bytes expected{0x01, 0x08};
  expected.insert(expected.end(), update.begin(), update.end());
  EXPECT_EQ(frame, expected);
  auto m = decode_message(frame);
  ASSERT_TRUE(m);
  const auto* a = std::get_if<awareness_message>(&*m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(bytes(a->update.begin(), a->update.end()), update);
  EXPECT_EQ(type_of(*m), message_type::awareness);
  EXPECT_EQ(encode_message(*m), frame);
}

TEST(Message, QueryAwareness) {
  EXPECT_EQ(encode_query_awareness(), (bytes{0x03}));
  auto m = decode_message(bytes{0x03});
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<query_awareness>(*m));
  EXPECT_EQ(type_of(*m), message_type::query_awareness);
}

TEST(Message, AuthPermissionDenied) {
  auto frame = encode_permission_denied("no");
  EXPECT_EQ(frame, (bytes{0x02, 0x00, 0x02, 'n', 'o'}));
  auto m = decode_message(frame);
  ASSERT_TRUE(m);
  const auto* a = std::get_if<auth_message>(&*m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, auth_type::permission_denied);
  EXPECT_EQ(a->reason, "no");
  EXPECT_EQ(encode_message(*m), frame);
}

TEST(Message, AuthPermissionDeniedEmptyAndUnicodeReason) {
  EXPECT_EQ(encode_permission_denied(""), (bytes{0x02, 0x00, 0x00}));
  auto frame = encode_permission_denied("\xc3\xa9");  // é
  EXPECT_EQ(frame, (bytes{0x02, 0x00, 0x02, 0xc3, 0xa9}));
}

TEST(Message, AuthPermissionGranted) {
  auto frame = encode_permission_granted();
  EXPECT_EQ(frame, (bytes{0x02, 0x01}));
  auto m = decode_message(frame);
  ASSERT_TRUE(m);
  const auto* a = std::get_if<auth_message>(&*m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, auth_type::permission_granted);
  EXPECT_TRUE(a->reason.empty());
}

TEST(Message, UnknownTypes) {
  EXPECT_EQ(decode_message(bytes{0x04}).error(), errc::unknown_message_type);
  EXPECT_EQ(decode_message(bytes{0x7f, 0x00}).error(), errc::unknown_message_type);
  // Multi-byte varUint type 128.
  EXPECT_EQ(decode_message(bytes{0x80, 0x01}).error(), errc::unknown_message_type);
  // Sync sub-type 3 (with a valid payload).
  EXPECT_EQ(decode_message(bytes{0x00, 0x03, 0x00}).error(), errc::unknown_message_type);
  // Auth sub-type 2.
  EXPECT_EQ(decode_message(bytes{0x02, 0x02}).error(), errc::unknown_message_type);
}

TEST(Message, EmptyFrameIsMalformed) {
  EXPECT_EQ(decode_message(bytes{}).error(), errc::malformed_message);
}

TEST(Message, TrailingBytesAreMalformedForASingleMessage) {
  EXPECT_EQ(decode_message(bytes{0x03, 0x03}).error(), errc::malformed_message);
  EXPECT_EQ(decode_message(bytes{0x00, 0x00, 0x01, 0x00, 0xff}).error(), errc::malformed_message);
}

// Every strict prefix of a valid message fails to decode, and never reads out of bounds.
TEST(Message, EveryTruncationIsAnError) {
  const std::vector<bytes> frames = {
      encode_sync_message(sync_type::step1, bytes{0x01, 0x01, 0x03}),
      encode_sync_message(sync_type::step2, bytes(200, 0x07)),  // two-byte length
      encode_sync_update(bytes{0x00, 0x00}),
      encode_awareness_message(bytes{0x01, 0x05, 0x01, 0x04, 'n', 'u', 'l', 'l'}),
      encode_permission_denied("reason"),
      encode_permission_granted(),
  };
  for (const auto& frame : frames) {
    ASSERT_TRUE(decode_message(frame)) << test::hex(frame);
    for (std::size_t n = 0; n < frame.size(); ++n) {
      // Copy into an exactly sized buffer so ASan catches an over-read.
      bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
      auto m = decode_message(prefix);
      EXPECT_FALSE(m) << "prefix of " << n << " bytes of " << test::hex(frame);
      if (n > 0) {
        EXPECT_EQ(m.error(), errc::unexpected_end_of_buffer) << test::hex(prefix);
      }
    }
  }
}

TEST(Message, OverlongLengthIsAnError) {
  // Declares a 10-byte payload but carries 2.
  auto m = decode_message(bytes{0x00, 0x02, 0x0a, 0x00, 0x00});
  EXPECT_EQ(m.error(), errc::unexpected_end_of_buffer);
  // A varUint that does not end.
  EXPECT_FALSE(decode_message(bytes{0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
}

TEST(MessageReader, ConcatenatedMessages) {
  bytes frame;
  auto append = [&](const bytes& b) { frame.insert(frame.end(), b.begin(), b.end()); };
  append(encode_sync_message(sync_type::step1, bytes{0x00}));
  append(encode_awareness_message(bytes{0x00}));
  append(encode_query_awareness());
  append(encode_permission_granted());
  append(encode_sync_update(bytes{0x00, 0x00}));

  message_reader reader(frame);
  std::vector<message_type> types;
  while (!reader.at_end()) {
    auto m = reader.next();
    ASSERT_TRUE(m) << m.error().message();
    types.push_back(type_of(*m));
  }
  EXPECT_EQ(types, (std::vector<message_type>{message_type::sync, message_type::awareness, message_type::query_awareness,
                                              message_type::auth, message_type::sync}));
}

TEST(MessageReader, StopsAtTheFirstError) {
  bytes frame = encode_query_awareness();
  frame.push_back(0x09);  // unknown type: its length is unknown, so the rest is unreadable
  auto tail = encode_query_awareness();
  frame.insert(frame.end(), tail.begin(), tail.end());

  message_reader reader(frame);
  ASSERT_TRUE(reader.next());
  ASSERT_FALSE(reader.at_end());
  EXPECT_EQ(reader.next().error(), errc::unknown_message_type);
  EXPECT_TRUE(reader.at_end());
}

TEST(MessageReader, TruncatedLastMessage) {
  bytes frame = encode_query_awareness();
  frame.insert(frame.end(), {0x00, 0x02, 0x05, 0x00});
  message_reader reader(frame);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.next().error(), errc::unexpected_end_of_buffer);
  EXPECT_TRUE(reader.at_end());
}

TEST(Message, WriteMessageConcatenates) {
  encoding::encoder enc;
  write_message(enc, query_awareness{});
  write_message(enc, sync_step1{span_of(bytes{0x00})});
  EXPECT_EQ(bytes(enc.data().begin(), enc.data().end()), (bytes{0x03, 0x00, 0x00, 0x01, 0x00}));
}

TEST(Message, DecodedReasonWithInvalidUtf8ReencodesToTheSameBytes) {
  const bytes frame{0x02, 0x00, 0x02, 0xff, 0xfe};
  auto m = decode_message(frame);
  ASSERT_TRUE(m);
  EXPECT_EQ(encode_message(*m), frame);
}

}  // namespace
}  // namespace yws::protocol
