// copy_tree keeps every field: compared object by object with a manifest.
#include <doctest/doctest.h>
#include <sys/sysmacros.h>

#include "fs_test_util.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

namespace {

void set_times(const std::string& path, long asec, long ansec, long msec, long mnsec) {
  const struct timespec ts[2] = {{asec, ansec}, {msec, mnsec}};
  must(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0, "utimensat " + path);
}

void set_xattr(const std::string& path, const std::string& name, const std::string& value) {
  must(::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) == 0,
       "setxattr " + name + " on " + path);
}

void run(const std::string& command) {
  must(std::system(command.c_str()) == 0, command);
}

// Every kind of object, metadata and name that copy_tree promises to keep.
void build_everything(const TempDir& tmp) {
  const std::string s = tmp / "src";
  make_dir(s, 0750);
  lchown_to(s, 1000, 1000);
  write_file(s + "/plain", "hello\n", 0644);
  write_file(s + "/suid", "#!/bin/sh\n", 04755);
  write_file(s + "/sgid", "x", 02711);
  lchown_to(s + "/sgid", 0, 5);
  make_dir(s + "/shared", 02775);
  lchown_to(s + "/shared", 1000, 100);
  // A sparse file: 1 MiB hole, data, hole to 3 MiB.
  {
    int fd = ::open((s + "/sparse").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    must(fd >= 0, "sparse");
    must(::pwrite(fd, "data", 4, 1 << 20) == 4, "pwrite");
    must(::ftruncate(fd, 3 << 20) == 0, "ftruncate");
    ::close(fd);
  }
  make_link("/etc/passwd", s + "/abs-link");
  lchown_to(s + "/abs-link", 1000, 1000);
  make_link("plain", s + "/rel-link");
  set_xattr(s + "/rel-link", "trusted.on-link", "t");
  must(::mknod((s + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0, "mknod chr");
  must(::mknod((s + "/loop").c_str(), S_IFBLK | 0660, makedev(7, 0)) == 0, "mknod blk");
  must(::mkfifo((s + "/fifo").c_str(), 0620) == 0, "mkfifo");
  must(::mknod((s + "/sock").c_str(), S_IFSOCK | 0755, 0) == 0, "mknod sock");
  // Hard links within the tree, across directories.
  make_dir(s + "/sub");
  must(::link((s + "/plain").c_str(), (s + "/sub/plain-again").c_str()) == 0, "link");
  must(::link((s + "/plain").c_str(), (s + "/plain-third").c_str()) == 0, "link");
  // Odd names.
  const std::string odd[] = {"new\nline",       "tab\there",           "-leading-dash",
                             "bad\xff\xfeutf8", std::string(255, 'L'), "*?[glob]"};
  for (const auto& name : odd)
    write_file(s + "/sub/" + name, name, 0600);
  make_dir(s + "/sub/" + std::string(255, 'D'));
  // Extended attributes and ACLs.
  set_xattr(s + "/plain", "user.note", "a value\nwith a newline");
  set_xattr(s + "/plain", "trusted.secret", std::string("\0\1\2", 3));
  set_xattr(s + "/sub", "user.dir", "d");
  run("setfacl -m u:1000:rwx,m::rwx '" + s + "/suid'");
  run("setfacl -d -m u:1000:rx '" + s + "/shared'");
  write_file(s + "/shared/inner", "in", 0640);
  // Times with nanoseconds, set last, children before parents.
  set_times(s + "/plain", 1000000000, 123456789, 1100000000, 987654321);
  set_times(s + "/abs-link", 1200000000, 1, 1300000000, 2);
  set_times(s + "/fifo", 1400000000, 3, 1500000000, 4);
  set_times(s + "/shared/inner", 5, 6, 7, 8);
  set_times(s + "/shared", 9, 10, 11, 12);
  set_times(s + "/sub", 13, 14, 15, 16);
  set_times(s, 17, 18, 19, 20);
}

void check_same(const Manifest& a, const Manifest& b) {
  CHECK(a.entries.size() == b.entries.size());
  for (const auto& [path, desc] : a.entries) {
    auto it = b.entries.find(path);
    INFO("entry ", excise::shown(path));
    REQUIRE(it != b.entries.end());
    CHECK(it->second == desc);
  }
}

}  // namespace

TEST_CASE("fs: copy_tree keeps every file type, owner, mode, time, xattr, ACL and hard link") {
  TempDir tmp;
  build_everything(tmp);
  const Manifest before = manifest(tmp / "src");
  SafeRoot root(tmp.path());
  copy_tree(root.root(), "src", root.root(), "dst");
  check_same(before, manifest(tmp / "src"));  // the source is unchanged, atimes included
  check_same(before, manifest(tmp / "dst"));
  // The manifest shows hard links as "same-as": spot-check the structure directly too.
  CHECK(lstat_of(tmp / "dst/plain").st_ino == lstat_of(tmp / "dst/sub/plain-again").st_ino);
  CHECK(lstat_of(tmp / "dst/plain").st_nlink == 3);
  CHECK(lstat_of(tmp / "dst/plain").st_ino != lstat_of(tmp / "src/plain").st_ino);
  CHECK((lstat_of(tmp / "dst/suid").st_mode & 07777) == 04775);  // ACL mask shows as group bits
  CHECK(lstat_of(tmp / "dst/sparse").st_blocks < 64);            // the holes stayed holes
  CHECK(xattrs_of(tmp / "dst/suid").count("system.posix_acl_access") == 1);
  CHECK(xattrs_of(tmp / "dst/shared").count("system.posix_acl_default") == 1);
}

TEST_CASE("fs: copy_tree refuses an existing destination and copies a lone file or link") {
  TempDir tmp;
  make_dir(tmp / "src");
  make_dir(tmp / "dst");
  write_file(tmp / "file", "content", 0640);
  make_link("/etc", tmp / "link");
  SafeRoot root(tmp.path());
  CHECK_THROWS_WITH_AS(copy_tree(root.root(), "src", root.root(), "dst"),
                       doctest::Contains("File exists"), Error);
  copy_tree(root.root(), "file", root.root(), "file-copy");
  CHECK(read_file(tmp / "file-copy") == "content");
  CHECK((lstat_of(tmp / "file-copy").st_mode & 07777) == 0640);
  copy_tree(root.root(), "link", root.root(), "link-copy");
  CHECK(S_ISLNK(lstat_of(tmp / "link-copy").st_mode));
  CHECK_THROWS_AS(copy_tree(root.root(), "file", root.root(), "link-copy"), Error);
  // Into itself: refused before anything is created.
  make_dir(tmp / "src/inner");
  CHECK_THROWS_WITH_AS(copy_tree(root.root(), "src", *root.open_dir("/src/inner"), "loop"),
                       doctest::Contains("the destination is inside the source"), Error);
  CHECK_FALSE(exists(tmp / "src/inner/loop"));
}

TEST_CASE("fs: copy_tree works across file systems (the quarantine's fallback)") {
  TempDir tmp;
  build_everything(tmp);
  char shm[] = "/dev/shm/excise-test-XXXXXX";
  must(::mkdtemp(shm) != nullptr, "mkdtemp shm");
  const Manifest before = manifest(tmp / "src");
  {
    SafeRoot from(tmp.path());
    SafeRoot to(shm);
    copy_tree(from.root(), "src", to.root(), "dst");
  }
  const Manifest after = manifest(std::string(shm) + "/dst");
  run(std::string("rm -rf '") + shm + "'");
  check_same(before, after);
}
