// SafeRoot resolution on real temporary roots: links stay inside the root, ".." clamps,
// unsafe ownership transitions and magic links are refused (SAFETY S1, S2, S11).
#include <doctest/doctest.h>

#include "fs_test_util.hpp"
#include "system/safe_root.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

namespace {

// R/etc/passwd (the image's), R/home/u (root-owned), R/home/alice (uid 1000).
struct Image {
  TempDir dir;
  Image() {
    make_dir(dir / "etc");
    write_file(dir / "etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
    make_dir(dir / "home");
    make_dir(dir / "home/u");
    make_dir(dir / "home/alice", 0700);
    lchown_to(dir / "home/alice", 1000, 1000);
  }
  std::string image_passwd() const { return read_file(dir / "etc/passwd"); }
};

std::string unsafe_message(const SafeRoot& root, const std::string& path) {
  try {
    root.resolve(path);
  } catch (const UnsafePath& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("fs: an absolute symlink inside the root stays inside the root") {
  Image img;
  make_link("/etc", img.dir / "home/u/.x");
  SafeRoot root(img.dir.path());
  CHECK_FALSE(root.is_host());
  auto text = root.read_file("/home/u/.x/passwd");
  REQUIRE(text);
  CHECK(*text == img.image_passwd());
  CHECK(*text != read_file("/etc/passwd"));
  auto r = root.resolve("/home/u/.x/passwd");
  REQUIRE(r);
  CHECK(r->real_path == "/etc/passwd");
  CHECK(r->parent.path() == "/etc");
  CHECK(r->name == "passwd");
  REQUIRE(r->stat);
  CHECK(r->stat->is_regular());
}

TEST_CASE("fs: relative .. links clamp at the root") {
  Image img;
  make_link("../../../../../../../etc", img.dir / "home/u/.up");
  SafeRoot root(img.dir.path());
  auto text = root.read_file("/home/u/.up/passwd");
  REQUIRE(text);
  CHECK(*text == img.image_passwd());
  auto r = root.resolve("/../../../etc/passwd");
  REQUIRE(r);
  CHECK(r->real_path == "/etc/passwd");
  // ".." after a link leaves the link's target, not the link's directory.
  auto up = root.resolve("/home/u/.up/../home/u");
  REQUIRE(up);
  CHECK(up->real_path == "/home/u");
  CHECK(up->parent.path() == "/home");
}

TEST_CASE("fs: a user's link to a root-owned directory is not followed (S2)") {
  Image img;
  make_dir(img.dir / "etc/acme");
  make_link("/etc", img.dir / "home/alice/.config");
  lchown_to(img.dir / "home/alice/.config", 1000, 1000);
  SafeRoot root(img.dir.path());
  CHECK(unsafe_message(root, "/home/alice/.config/acme/x") ==
        "/home/alice/.config is a symlink owned by alice (1000) in a directory owned by alice "
        "leading to /etc owned by root (0): not followed");
  CHECK_THROWS_AS(root.open_dir("/home/alice/.config"), UnsafePath);
  CHECK_THROWS_AS(root.read_file("/home/alice/.config/passwd"), UnsafePath);
  // The link itself, as a final component, is an object like any other.
  auto link = root.resolve("/home/alice/.config");
  REQUIRE(link);
  CHECK(link->stat->is_symlink());
  CHECK(link->stat->uid == 1000);
}

TEST_CASE("fs: a root-owned link in a user's directory to a root-owned target is refused") {
  Image img;
  make_link("/etc", img.dir / "home/alice/.config");  // owned by root, in alice's directory
  SafeRoot root(img.dir.path());
  CHECK(unsafe_message(root, "/home/alice/.config/passwd").find("in a directory owned by alice") !=
        std::string::npos);
}

TEST_CASE("fs: a user's link to the user's own files is followed") {
  Image img;
  make_dir(img.dir / "home/alice/real");
  lchown_to(img.dir / "home/alice/real", 1000, 1000);
  write_file(img.dir / "home/alice/real/f", "mine");
  make_link("real", img.dir / "home/alice/alias");
  lchown_to(img.dir / "home/alice/alias", 1000, 1000);
  SafeRoot root(img.dir.path());
  auto r = root.resolve("/home/alice/alias/f");
  REQUIRE(r);
  CHECK(r->real_path == "/home/alice/real/f");
  // A root-owned file reached through the user's link: T is /home/alice/real (alice), the
  // rule concerns the link's target only; f is reached by plain lookup in alice's dir.
  CHECK(root.read_file("/home/alice/alias/f") == std::optional<std::string>("mine"));
}

TEST_CASE("fs: a root-owned link in a root-owned directory is followed (/lib -> usr/lib)") {
  Image img;
  make_dir(img.dir / "usr");
  make_dir(img.dir / "usr/lib");
  write_file(img.dir / "usr/lib/libx.so", "elf");
  make_link("usr/lib", img.dir / "lib");
  SafeRoot root(img.dir.path());
  auto r = root.resolve("/lib/libx.so");
  REQUIRE(r);
  CHECK(r->real_path == "/usr/lib/libx.so");
  auto dir = root.open_dir("/lib");
  REQUIRE(dir);
  CHECK(dir->path() == "/usr/lib");
  REQUIRE(dir->entries().size() == 1);
  CHECK(dir->entries()[0].name == "libx.so");
  CHECK(dir->entries()[0].type == FileType::regular);
}

TEST_CASE("fs: /proc/self/root and links into procfs are refused on the host") {
  SafeRoot host("/");
  CHECK(host.is_host());
  CHECK_THROWS_WITH_AS(host.resolve("/proc/self/root/etc/passwd"), doctest::Contains("magic link"),
                       UnsafePath);
  CHECK_THROWS_AS(host.read_file("/proc/self/root/etc/passwd"), UnsafePath);
  // A root-owned link on an ordinary file system leading into procfs.
  TempDir tmp;
  make_link("/proc/sys", tmp / "sys-link");
  std::string rel = tmp.path() + "/sys-link/kernel/hostname";
  CHECK_THROWS_WITH_AS(host.read_file(rel), doctest::Contains("procfs or sysfs"), UnsafePath);
  // Plain lookups through /proc directories (no link followed) are allowed.
  CHECK(host.read_file("/proc/sys/kernel/ostype") == std::optional<std::string>("Linux\n"));
}

TEST_CASE("fs: symlink loops end with an error") {
  Image img;
  make_link("b", img.dir / "a");
  make_link("a", img.dir / "b");
  make_link("self/x", img.dir / "self");
  SafeRoot root(img.dir.path());
  CHECK_THROWS_WITH_AS(root.resolve("/a/x"), doctest::Contains("too many levels of symbolic links"),
                       UnsafePath);
  CHECK_THROWS_WITH_AS(root.open_dir("/self"), doctest::Contains("too many levels"), UnsafePath);
}

TEST_CASE("fs: resolve reports absent objects and non-directories") {
  Image img;
  make_link("/nowhere", img.dir / "home/u/dangling");
  SafeRoot root(img.dir.path());
  CHECK_FALSE(root.resolve("/missing/x"));
  CHECK_FALSE(root.resolve("/etc/passwd/x"));
  auto absent = root.resolve("/etc/absent");
  REQUIRE(absent);
  CHECK_FALSE(absent->stat);
  CHECK(absent->real_path == "/etc/absent");
  CHECK_FALSE(root.open_dir("/home/u/dangling"));
  CHECK_FALSE(root.read_file("/home/u/dangling"));
  CHECK_FALSE(root.open_dir("/etc/passwd"));
  CHECK_THROWS_AS(root.read_file("/etc"), Error);
  CHECK_THROWS_AS(root.resolve("relative/path"), Error);
  CHECK_THROWS_WITH_AS(root.resolve("/"), doctest::Contains("root directory itself"), UnsafePath);
  CHECK_THROWS_AS(root.resolve("/etc/.."), UnsafePath);
  REQUIRE(root.lstat("/"));
  CHECK(root.lstat("/")->is_dir());
  CHECK(root.lstat("/etc/passwd")->is_regular());
  CHECK_FALSE(root.lstat("/etc/nope"));
  // Trailing slashes and "." name the object itself.
  CHECK(root.resolve("/etc/passwd/")->name == "passwd");
  CHECK(root.resolve("/home/./u/.")->real_path == "/home/u");
}

TEST_CASE("fs: hostile names resolve byte for byte") {
  Image img;
  const std::string odd = "new\nline\ttab-\xff\xfe";
  make_dir(img.dir / odd);
  write_file(img.dir / (odd + "/" + std::string(255, 'n')), "long");
  SafeRoot root(img.dir.path());
  auto r = root.resolve("/" + odd + "/" + std::string(255, 'n'));
  REQUIRE(r);
  REQUIRE(r->stat);
  CHECK(r->parent.path() == "/" + odd);
  CHECK(root.read_file("/" + odd + "/" + std::string(255, 'n')) ==
        std::optional<std::string>("long"));
}

TEST_CASE("fs: deep paths and .. walk back through closed descriptors") {
  Image img;
  std::string rel;
  for (int i = 0; i < 100; ++i) {
    rel += "/d";
    make_dir(img.dir.path() + rel);
  }
  write_file(img.dir.path() + "/d/marker", "top");
  SafeRoot root(img.dir.path());
  std::string path = rel;
  for (int i = 0; i < 99; ++i)
    path += "/..";
  path += "/marker";
  auto r = root.resolve(path);
  REQUIRE(r);
  CHECK(r->real_path == "/d/marker");
  CHECK(root.read_file(path) == std::optional<std::string>("top"));
}

TEST_CASE("fs: Dir refuses names that are not one component") {
  Image img;
  SafeRoot root(img.dir.path());
  auto etc = root.open_dir("/etc");
  REQUIRE(etc);
  CHECK_THROWS_AS(etc->stat_at("../etc"), Error);
  CHECK_THROWS_AS(etc->stat_at(".."), Error);
  CHECK_THROWS_AS(etc->stat_at(""), Error);
  CHECK_THROWS_AS(etc->read_at(std::string("pass\0wd", 7)), Error);
  CHECK(etc->read_at("passwd") == img.image_passwd());
  CHECK_THROWS_AS(Dir::placeholder("/x").fd(), Error);
}
