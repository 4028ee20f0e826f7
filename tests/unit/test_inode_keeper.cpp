// InodeKeeper and InodeRestorer: keeping files for rollback across file systems (a state
// directory on another one) copies them, and a hard-link group comes back whole.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_test_util.hpp"
#include "kinds/inode_keeper.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

namespace {

// A directory on /dev/shm (a tmpfs): another file system than /tmp's, here.
class ShmDir {
 public:
  ShmDir() {
    char tmpl[] = "/dev/shm/excise-test-XXXXXX";
    ok_ = ::mkdtemp(tmpl) != nullptr;
    path_ = tmpl;
  }
  ~ShmDir() {
    if (ok_) {
      const std::string cmd = "rm -rf --one-file-system '" + path_ + "'";
      if (std::system(cmd.c_str()) != 0) {
      }
    }
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  bool ok_ = false;
  std::string path_;
};

}  // namespace

TEST_CASE("inode keeper: across file systems, a copy each; a hard-link group comes back whole") {
  TempDir tmp;
  ShmDir shm;
  if (!shm.ok() || lstat_of(shm.path()).st_dev == lstat_of(tmp.path()).st_dev) {
    MESSAGE("skipped: no /dev/shm on another file system than /tmp");
    return;
  }
  write_file(tmp / "a", "pair\n", 0640);
  must(::link((tmp / "a").c_str(), (tmp / "b").c_str()) == 0, "link");
  write_file(tmp / "c", "single\n", 0600);

  SafeRoot root(tmp.path());
  SafeRoot keep_root(shm.path());
  const Dir dir = root.root();
  const Dir keep = keep_root.root();
  auto backend = make_real_backend();

  InodeKeeper keeper(*backend, keep);
  keeper.keep(dir, "a", *dir.stat_at("a"), "k1");
  keeper.keep(dir, "b", *dir.stat_at("b"), "k2");
  keeper.keep(dir, "c", *dir.stat_at("c"), "k3");
  CHECK(lstat_of(shm.path() + "/k1").st_ino == lstat_of(shm.path() + "/k2").st_ino);
  CHECK(lstat_of(shm.path() + "/k3").st_nlink == 1);
  CHECK(lstat_of(tmp / "a").st_nlink == 2);  // the originals are untouched

  for (const char* name : {"a", "b", "c"})
    must(::unlink((tmp / name).c_str()) == 0, "unlink");
  InodeRestorer restorer(*backend, keep);
  restorer.put_back("k1", dir, "a");
  restorer.put_back("k2", dir, "b");
  restorer.put_back("k3", dir, "c");
  CHECK(lstat_of(tmp / "a").st_ino == lstat_of(tmp / "b").st_ino);
  CHECK(lstat_of(tmp / "a").st_nlink == 2);
  CHECK((lstat_of(tmp / "a").st_mode & 07777) == 0640);
  CHECK(read_file(tmp / "b") == "pair\n");
  CHECK(read_file(tmp / "c") == "single\n");
  CHECK_FALSE(keep.stat_at("k1"));
  CHECK_FALSE(keep.stat_at("k2"));
  CHECK_FALSE(keep.stat_at("k3"));
}

TEST_CASE("inode keeper: on an overlay, a lower file with several names is copied, not split") {
  TempDir tmp;
  make_dir(tmp / "lower");
  write_file(tmp / "lower/a", "pair\n", 0640);
  must(::link((tmp / "lower/a").c_str(), (tmp / "lower/b").c_str()) == 0, "link");
  write_file(tmp / "lower/c", "single\n");
  make_dir(tmp / "layers");
  make_dir(tmp / "merged");
  const int rc = in_child([&]() -> int {
    if (::unshare(CLONE_NEWNS) != 0) return 1;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 2;
    if (::mount("none", (tmp / "layers").c_str(), "tmpfs", 0, nullptr) != 0) return 3;
    make_dir(tmp / "layers/up");
    make_dir(tmp / "layers/work");
    const std::string opts = "lowerdir=" + (tmp / "lower") + ",upperdir=" + (tmp / "layers/up") +
                             ",workdir=" + (tmp / "layers/work");
    if (::mount("overlay", (tmp / "merged").c_str(), "overlay", 0, opts.c_str()) != 0) return 4;
    make_dir(tmp / "merged/keep", 0700);
    SafeRoot root(tmp / "merged");
    const Dir dir = root.root();
    const Dir keep = *root.open_dir("/keep");
    if (!link_splits_group(dir, *dir.stat_at("a"))) return 5;
    if (link_splits_group(dir, *dir.stat_at("c"))) return 6;  // one name: nothing to split
    auto backend = make_real_backend();
    InodeKeeper keeper(*backend, keep);
    keeper.keep(dir, "a", *dir.stat_at("a"), "k1");
    keeper.keep(dir, "b", *dir.stat_at("b"), "k2");
    keeper.keep(dir, "c", *dir.stat_at("c"), "k3");
    // Linking `a` would have copied it up alone: a and b would no longer be one file.
    const auto a = lstat_of(tmp / "merged/a");
    if (a.st_ino != lstat_of(tmp / "merged/b").st_ino || a.st_nlink != 2) return 7;
    if (lstat_of(tmp / "merged/keep/k1").st_ino != lstat_of(tmp / "merged/keep/k2").st_ino)
      return 8;
    if (lstat_of(tmp / "merged/c").st_nlink != 2) return 9;  // c was linked
    return 0;
  });
  CHECK(rc == 0);
}
