// remove_tree: links removed as links, set-id cleared on surviving hard links (S8),
// nothing outside the tree touched (S1, S7).
#include <doctest/doctest.h>

#include "fs_test_util.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

TEST_CASE("fs: remove_tree removes links as links and leaves their targets alone (S1, S7)") {
  TempDir tmp;
  make_dir(tmp / "sentinel");
  write_file(tmp / "sentinel/keep", "keep", 0600);
  write_file(tmp / "shadow", "secret", 0640);
  make_dir(tmp / "tree");
  make_dir(tmp / "tree/a");
  make_link(tmp / "sentinel", tmp / "tree/a/to-dir");
  make_link("/", tmp / "tree/to-root");
  must(::link((tmp / "shadow").c_str(), (tmp / "tree/a/license.key").c_str()) == 0, "link");
  const std::string odd = "odd\nname\xff";
  write_file(tmp / ("tree/" + odd), "x");
  const Manifest before = manifest(tmp / "sentinel");
  SafeRoot root(tmp.path());
  remove_tree(root.root(), "tree");
  CHECK_FALSE(exists(tmp / "tree"));
  CHECK(manifest(tmp / "sentinel").entries == before.entries);
  CHECK(read_file(tmp / "shadow") == "secret");
  CHECK((lstat_of(tmp / "shadow").st_mode & 07777) == 0640);
  CHECK(lstat_of(tmp / "shadow").st_nlink == 1);
}

TEST_CASE("fs: remove_tree clears set-id bits of a file hard-linked outside the tree (S8)") {
  TempDir tmp;
  make_dir(tmp / "tree");
  write_file(tmp / "tree/banned-suid", "#!/bin/false\n", 06755);
  must(::link((tmp / "tree/banned-suid").c_str(), (tmp / "kept-by-user").c_str()) == 0, "link");
  SafeRoot root(tmp.path());
  remove_tree(root.root(), "tree");
  CHECK_FALSE(exists(tmp / "tree"));
  CHECK(read_file(tmp / "kept-by-user") == "#!/bin/false\n");
  CHECK((lstat_of(tmp / "kept-by-user").st_mode & 07777) == 0600);
}

TEST_CASE("fs: remove_tree removes a lone file or link, and names a missing one") {
  TempDir tmp;
  write_file(tmp / "file", "x");
  make_link(tmp / "file", tmp / "link");
  SafeRoot root(tmp.path());
  remove_tree(root.root(), "link");
  CHECK_FALSE(exists(tmp / "link"));
  CHECK(exists(tmp / "file"));
  remove_tree(root.root(), "file");
  CHECK_FALSE(exists(tmp / "file"));
  CHECK_THROWS_WITH_AS(remove_tree(root.root(), "file"), doctest::Contains("/file"), Error);
  CHECK_THROWS_AS(remove_tree(root.root(), ".."), Error);
}
