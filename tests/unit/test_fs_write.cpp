// write_file_atomic, apply_meta, rename_at, and Dir's metadata readers.
#include <doctest/doctest.h>

#include "fs_test_util.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

TEST_CASE("fs: write_file_atomic keeps owner, mode and xattrs and leaves no temporary file") {
  TempDir tmp;
  make_dir(tmp / "etc");
  write_file(tmp / "etc/passwd", "old\n", 0640);
  lchown_to(tmp / "etc/passwd", 0, 42);
  must(::setxattr((tmp / "etc/passwd").c_str(), "user.tag", "v", 1, 0) == 0, "setxattr");
  SafeRoot root(tmp.path());
  auto etc = root.open_dir("/etc");
  REQUIRE(etc);
  FileMeta meta = etc->meta_at("passwd");
  CHECK(meta.mode == 0640);
  CHECK(meta.gid == 42);
  REQUIRE(meta.xattrs.size() == 1);
  meta.mtime = {1234567890, 5};
  const auto ino_before = lstat_of(tmp / "etc/passwd").st_ino;
  write_file_atomic(*etc, "passwd", "new\n", meta);
  CHECK(read_file(tmp / "etc/passwd") == "new\n");
  auto st = lstat_of(tmp / "etc/passwd");
  CHECK(st.st_ino != ino_before);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == 42);
  CHECK(st.st_mtim.tv_sec == 1234567890);
  CHECK(st.st_mtim.tv_nsec == 5);
  CHECK(xattrs_of(tmp / "etc/passwd") == std::map<std::string, std::string>{{"user.tag", "v"}});
  CHECK(etc->entries().size() == 1);
  // A new file, with an empty name refused.
  write_file_atomic(*etc, "group", "g\n", FileMeta{0644, 0, 0, {}, {1, 0}, {}});
  CHECK(read_file(tmp / "etc/group") == "g\n");
  CHECK_THROWS_AS(write_file_atomic(*etc, "", "x", meta), Error);
  CHECK(etc->entries().size() == 2);
}

TEST_CASE("fs: write_file_atomic replaces a planted symlink, never its target") {
  TempDir tmp;
  write_file(tmp / "target", "precious", 0600);
  make_dir(tmp / "d");
  make_link(tmp / "target", tmp / "d/conf");
  SafeRoot root(tmp.path());
  write_file_atomic(*root.open_dir("/d"), "conf", "mine", FileMeta{0644, 0, 0, {}, {}, {}});
  CHECK(read_file(tmp / "target") == "precious");
  CHECK(S_ISREG(lstat_of(tmp / "d/conf").st_mode));
}

TEST_CASE("fs: apply_meta changes a symlink itself, never its target") {
  TempDir tmp;
  write_file(tmp / "target", "t", 0600);
  make_link("target", tmp / "link");
  make_dir(tmp / "dir", 0700);
  SafeRoot root(tmp.path());
  apply_meta(root.root(), "link", FileMeta{0777, 1000, 1001, {10, 1}, {20, 2}, {}});
  auto link = lstat_of(tmp / "link");
  CHECK(link.st_uid == 1000);
  CHECK(link.st_gid == 1001);
  CHECK(link.st_mtim.tv_sec == 20);
  auto target = lstat_of(tmp / "target");
  CHECK(target.st_uid == 0);
  CHECK((target.st_mode & 07777) == 0600);
  apply_meta(root.root(), "dir", FileMeta{02750, 7, 8, {30, 3}, {40, 4}, {{"user.a", "b"}}});
  auto dir = lstat_of(tmp / "dir");
  CHECK((dir.st_mode & 07777) == 02750);
  CHECK(dir.st_uid == 7);
  CHECK(dir.st_mtim.tv_nsec == 4);
  CHECK(root.root().xattrs_at("dir") ==
        std::vector<std::pair<std::string, std::string>>{{"user.a", "b"}});
  // Setting an empty list removes what was there.
  apply_meta(root.root(), "dir", FileMeta{0700, 0, 0, {}, {}, {}});
  CHECK(root.root().xattrs_at("dir").empty());
}

TEST_CASE("fs: xattrs_at reads every namespace of links and fifos without opening them") {
  TempDir tmp;
  must(::mkfifo((tmp / "fifo").c_str(), 0600) == 0, "mkfifo");
  must(::setxattr((tmp / "fifo").c_str(), "trusted.f", "1", 1, 0) == 0, "setxattr fifo");
  make_link("fifo", tmp / "link");
  must(::lsetxattr((tmp / "link").c_str(), "trusted.l", "2", 1, 0) == 0, "setxattr link");
  SafeRoot root(tmp.path());
  // Opening the fifo for reading would block this test forever.
  CHECK(root.root().xattrs_at("fifo") ==
        std::vector<std::pair<std::string, std::string>>{{"trusted.f", "1"}});
  CHECK(root.root().xattrs_at("link") ==
        std::vector<std::pair<std::string, std::string>>{{"trusted.l", "2"}});
  FileMeta meta = root.root().meta_at("link");
  CHECK(meta.xattrs.size() == 1);
  CHECK_THROWS_WITH_AS(root.root().read_at("fifo"), doctest::Contains("fifo"), Error);
}

TEST_CASE("fs: rename_at never replaces, exchanges on request, and reports other devices") {
  TempDir tmp;
  write_file(tmp / "a", "A");
  write_file(tmp / "b", "B");
  SafeRoot root(tmp.path());
  CHECK_THROWS_WITH_AS(rename_at(root.root(), "a", root.root(), "b"),
                       doctest::Contains("rename /a -> /b: File exists"), Error);
  rename_at(root.root(), "a", root.root(), "b", RenameMode::exchange);
  CHECK(read_file(tmp / "a") == "B");
  CHECK(read_file(tmp / "b") == "A");
  rename_at(root.root(), "a", root.root(), "c");
  CHECK(read_file(tmp / "c") == "B");
  SafeRoot shm("/dev/shm");
  CHECK_THROWS_AS(rename_at(root.root(), "c", shm.root(), "excise-test-xdev"), CrossDevice);
  CHECK(exists(tmp / "c"));
  fsync_dir(root.root());
}
