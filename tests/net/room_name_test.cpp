#include "net/room_name.hpp"

#include <gtest/gtest.h>

namespace yws::net::detail {
namespace {

TEST(RoomName, IsThePercentDecodedPathWithoutItsSlashAndQuery) {
  EXPECT_EQ(*room_name_from_target("/doc", 512), "doc");
  EXPECT_EQ(*room_name_from_target("/notes/a%20b?token=x&y", 512), "notes/a b");
  EXPECT_EQ(*room_name_from_target("/%E2%9C%93", 512), "\xE2\x9C\x93");
  EXPECT_EQ(*room_name_from_target("/a%2Fb", 512), "a/b");
  EXPECT_EQ(*room_name_from_target("//double", 512), "/double");
  EXPECT_EQ(*room_name_from_target("/plus+sign", 512), "plus+sign");  // '+' is not a space in a path
  EXPECT_EQ(*room_name_from_target("/ok?bad=%zz", 512), "ok");         // the query is not examined
}

TEST(RoomName, RejectsWhatIsNotAValidName) {
  for (const char* target : {"", "/", "/?x=1", "doc", "http://host/doc", "/%zz", "/%0", "/%00", "/a%0Ab",
                             "/%7F", "/%C2%80", "/%C3%28", "/%ED%A0%80", "/#frag"}) {
    EXPECT_EQ(room_name_from_target(target, 512).error(), make_error_code(errc::invalid_argument)) << target;
  }
}

TEST(RoomName, LengthIsCountedInDecodedBytes) {
  EXPECT_TRUE(room_name_from_target("/" + std::string(8, 'a'), 8));
  EXPECT_FALSE(room_name_from_target("/" + std::string(9, 'a'), 8));
  EXPECT_TRUE(room_name_from_target("/%61%61%61%61%61%61%61%61", 8));  // 24 encoded, 8 decoded
  EXPECT_FALSE(room_name_from_target("/" + std::string(100000, 'a'), 512));
}

TEST(RoomName, CheckAppliesToApiNames) {
  EXPECT_TRUE(check_room_name("any name, with spaces", 512));
  EXPECT_FALSE(check_room_name("", 512));
  EXPECT_FALSE(check_room_name(std::string("a\0b", 3), 512));
  EXPECT_FALSE(check_room_name("tab\there", 512));
  EXPECT_FALSE(check_room_name("\xff", 512));
}

}  // namespace
}  // namespace yws::net::detail
