// Room names map to safe, distinct file names.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "store_test_support.hpp"
#include "yws/store/file_store.hpp"

namespace yws::store::test {
namespace {

void expect_safe(const std::string& file, std::string_view room) {
  EXPECT_LE(file.size(), 255u) << room;
  EXPECT_EQ(file.find('/'), std::string::npos) << room;
  EXPECT_EQ(file.find('\0'), std::string::npos) << room;
  EXPECT_NE(file[0], '.') << room;
  EXPECT_TRUE(file.ends_with(".ywslog")) << room;
  for (char c : file) {
    const bool lower = c >= 'a' && c <= 'z';
    const bool ok = lower || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '%' || c == '~';
    EXPECT_TRUE(ok) << "byte " << static_cast<int>(static_cast<unsigned char>(c)) << " in " << file;
  }
}

TEST(room_file_name, tricky_names_are_safe_and_distinct) {
  const std::vector<std::string> rooms = {
      "", ".", "..", "../x", "../../etc/passwd", "/abs/path", "a/b", "a\\b", std::string("a\0b", 3),
      std::string("a\0c", 3), std::string(1, '\0'), "Doc", "doc", "DOC", "dOc", "%", "%25", "%2f", "~",
      "room.ywslog", ".hidden", "space name", "tab\tname", "ümlaut", "CON", "con", std::string(300, 'a'),
      std::string(300, 'a') + "b", std::string(300, 'A'), std::string(2000, '/'), std::string(95, 'a') + "/xyz"};
  std::set<std::string> files;
  for (const auto& r : rooms) {
    const std::string f = room_file_name(r);
    expect_safe(f, r);
    files.insert(f);
  }
  EXPECT_EQ(files.size(), rooms.size()) << "two rooms share a file";
}

TEST(room_file_name, case_insensitive_file_systems_keep_rooms_apart) {
  // On a case-insensitive file system two names collide when they are equal ignoring case.
  std::set<std::string> folded;
  for (const std::string r : {"Notes", "notes", "NOTES", "nOtEs"}) {
    std::string f = room_file_name(r);
    for (char& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    folded.insert(f);
  }
  EXPECT_EQ(folded.size(), 4u);
}

TEST(room_file_name, readable_names_stay_readable) {
  EXPECT_EQ(room_file_name("my-room_1.txt"), "my-room_1.txt.ywslog");
  EXPECT_EQ(room_file_name("A/b"), "%41%2fb.ywslog");
  EXPECT_EQ(room_file_name(".x"), "%2ex.ywslog");
}

TEST(room_file_name, random_names_never_collide) {
  std::mt19937 rng(12345);
  std::set<std::string> rooms;
  std::set<std::string> files;
  for (int i = 0; i < 20000; ++i) {
    std::string r(rng() % 200, '\0');
    for (char& c : r) c = static_cast<char>("aA%/.~\0zZ9-"[rng() % 11]);
    if (!rooms.insert(r).second) continue;
    const std::string f = room_file_name(r);
    expect_safe(f, r);
    EXPECT_TRUE(files.insert(f).second) << "collision for a room of " << r.size() << " bytes";
  }
}

TEST(room_file_name, file_store_keeps_every_room_inside_its_directory) {
  temp_dir dir;
  const auto store_dir = dir.path() / "rooms";
  auto s = make_file_store(store_dir);
  ASSERT_TRUE(s);
  const std::vector<std::string> rooms = {"../escape", "/tmp/abs", "Case", "case", std::string("n\0l", 3),
                                          std::string(5000, 'q')};
  for (const auto& r : rooms) ASSERT_TRUE((*s)->append(r, typing_update(1, 0, 'x')));
  std::size_t logs = 0;
  for (const auto& e : std::filesystem::directory_iterator(store_dir)) logs += e.path().extension() == ".ywslog";
  EXPECT_EQ(logs, rooms.size());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "escape.ywslog"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
  auto listed = (*s)->list_rooms();
  ASSERT_TRUE(listed);
  auto expected = rooms;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*listed, expected);
}

}  // namespace
}  // namespace yws::store::test
