// Races against the tree operations: directories swapped for symlinks while being
// removed (SAFETY S3), a directory moved away while a walk is below it, and a planted
// link where a restore goes (S18).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "fs_test_util.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

namespace {

void build_target(const TempDir& tmp) {
  std::string dir = tmp / "tree";
  make_dir(dir);
  for (const char* level : {"a", "b", "c", "d", "e"}) {
    dir += std::string("/") + level;
    make_dir(dir);
    for (int i = 0; i < 4; ++i)
      write_file(dir + "/f" + std::to_string(i), "x");
  }
}

}  // namespace

TEST_CASE("fs: swapping directories for symlinks during remove_tree never reaches outside (S3)") {
  TempDir tmp;
  make_dir(tmp / "sentinel");
  for (int i = 0; i < 20; ++i)
    write_file(tmp / ("sentinel/s" + std::to_string(i)), "keep", 0600);
  make_dir(tmp / "sentinel/sub");
  write_file(tmp / "sentinel/sub/deep", "keep");
  const Manifest before = manifest(tmp / "sentinel");
  const char* swap_points[] = {"tree/a", "tree/a/b", "tree/a/b/c", "tree/a/b/c/d",
                               "tree/a/b/c/d/e"};
  SafeRoot root(tmp.path());
  long swaps = 0, errors = 0;
  std::map<std::string, int> kinds;  // error messages without the operation and path
  for (int run = 0; run < 150; ++run) {
    build_target(tmp);
    std::atomic<bool> stop{false};
    std::thread attacker([&] {
      for (unsigned n = 0; !stop.load(); ++n) {
        const std::string victim = tmp / swap_points[n % 5];
        const std::string aside = tmp / ("aside-" + std::to_string(n % 5));
        if (::rename(victim.c_str(), aside.c_str()) != 0) continue;
        if (::symlink((tmp / "sentinel").c_str(), victim.c_str()) == 0) ++swaps;
        std::this_thread::yield();
        ::unlink(victim.c_str());
        ::rename(aside.c_str(), victim.c_str());
      }
    });
    try {
      remove_tree(root.root(), "tree");
    } catch (const Error& e) {
      ++errors;  // stopping is allowed; acting outside is not
      std::string what = e.what();
      ++kinds[what.substr(what.find(": ") + 2)];
    }
    stop = true;
    attacker.join();
    REQUIRE(manifest(tmp / "sentinel").entries == before.entries);
    // Clean up whatever the race left, including directories parked aside.
    for (int i = 0; i < 5; ++i) {
      if (exists(tmp / ("aside-" + std::to_string(i))))
        remove_tree(root.root(), "aside-" + std::to_string(i));
    }
    if (exists(tmp / "tree")) remove_tree(root.root(), "tree");
  }
  std::string summary;
  for (const auto& [kind, count] : kinds)
    summary += "\n  " + std::to_string(count) + " x " + kind;
  const std::string report = "remove_tree race: 150 runs, " + std::to_string(swaps) + " swaps, " +
                             std::to_string(errors) + " runs stopped with an error:" + summary;
  MESSAGE(report);
  CHECK(manifest(tmp / "sentinel").entries == before.entries);
}

TEST_CASE("fs: a directory moved away during a deep walk stops the walk when going back up") {
  TempDir tmp;
  std::string dir = tmp / "top";
  make_dir(dir);
  for (int i = 0; i < 100; ++i) {
    dir += "/d";
    make_dir(dir);
  }
  make_dir(tmp / "elsewhere");
  SafeRoot root(tmp.path());
  bool moved = false;
  auto walk = [&] {
    walk_tree(root.root(), "top", [&](const TreeEntry& e) {
      if (e.depth == 100 && !moved) {
        // Level 10 goes elsewhere; the walk's descriptor for level 9 was closed long ago
        // (64 at most are kept), so going back up must notice that ".." changed.
        std::string level10 = tmp / "top";
        for (int i = 0; i < 10; ++i)
          level10 += "/d";
        must(::rename(level10.c_str(), (tmp / "elsewhere/d").c_str()) == 0, "rename");
        moved = true;
      }
      return true;
    });
  };
  CHECK_THROWS_WITH_AS(walk(), doctest::Contains("a subdirectory was moved out of it"), Error);
  CHECK(moved);
}

TEST_CASE("fs: a link planted where a restore goes is a conflict, not a redirect (S18)") {
  TempDir tmp;
  make_dir(tmp / "etc");
  make_dir(tmp / "etc/cron.d");
  make_dir(tmp / "home");
  make_dir(tmp / "home/alice");
  lchown_to(tmp / "home/alice", 1000, 1000);
  make_dir(tmp / "q", 0700);
  make_dir(tmp / "q/3");  // the quarantined ~alice/.acme
  write_file(tmp / "q/3/payload", "banned");
  // After apply, alice plants a link where the item lived, and another in a parent.
  make_link("/etc/cron.d", tmp / "home/alice/.acme");
  lchown_to(tmp / "home/alice/.acme", 1000, 1000);
  make_link("/etc", tmp / "home/alice/.config");
  lchown_to(tmp / "home/alice/.config", 1000, 1000);
  SafeRoot root(tmp.path());
  auto target = root.resolve("/home/alice/.acme");
  REQUIRE(target);
  CHECK(target->stat->is_symlink());
  Dir q = *root.open_dir("/q");
  CHECK_THROWS_WITH_AS(rename_at(q, "3", target->parent, target->name),
                       doctest::Contains("rename /q/3 -> /home/alice/.acme: File exists"), Error);
  CHECK_THROWS_AS(root.resolve("/home/alice/.config/acme"), UnsafePath);
  CHECK(exists(tmp / "q/3/payload"));
  CHECK_FALSE(exists(tmp / "etc/cron.d/payload"));
  CHECK_FALSE(exists(tmp / "etc/acme"));
}
