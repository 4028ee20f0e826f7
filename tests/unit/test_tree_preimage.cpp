// The pre-image of a tree a tool rewrites (/etc/ssl/certs under update-ca-certificates):
// after a stand-in for the tool replaced, removed, added and rewrote-in-place entries,
// undo gives the tree back exactly, also when the tool was interrupted, and leaves alone
// what someone changed after it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "exec/run_store.hpp"
#include "fs_test_util.hpp"
#include "kinds/tree_preimage.hpp"
#include "plan/target.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

using namespace excise;
using namespace fs_test;

namespace {

void set_mtime(const std::string& path, long sec) {
  const struct timespec times[2] = {{sec, 5}, {sec, 123456789}};
  must(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat " + path);
}

// The tree update-ca-certificates keeps: a bundle, NAME.pem links, hash links, a PEM file
// of its own, and a hook's file below.
struct World {
  TempDir tmp;
  std::string certs = tmp / "etc/ssl/certs";
  World() {
    make_dir(tmp / "etc");
    make_dir(tmp / "etc/ssl");
    make_dir(certs);
    make_dir(certs + "/java");
    make_dir(tmp / "run");
    make_dir(tmp / "run/q", 0700);
    make_dir(tmp / "run/blobs", 0700);
    write_file(certs + "/ca-certificates.crt", "bundle v1\n");
    write_file(certs + "/java/cacerts", "keystore v1\n");
    write_file(certs + "/local.pem", "mine\n", 0600);
    make_link("/usr/share/ca-certificates/a.crt", certs + "/a.pem");
    make_link("a.pem", certs + "/1111.0");
    make_link("/usr/share/ca-certificates/b.crt", certs + "/b.pem");
    make_link("b.pem", certs + "/2222.0");
    long t = 1'700'000'000;
    for (const char* p : {"ca-certificates.crt", "java/cacerts", "local.pem", "a.pem", "1111.0",
                          "b.pem", "2222.0", "java", ""})
      set_mtime(certs + (*p ? std::string("/") + p : std::string()), t += 10);
  }

  // What `update-ca-certificates --fresh` does to it, and a hook.
  void tool() const {
    write_file(certs + "/ca-certificates.crt.new", "bundle v2\n");
    must(::rename((certs + "/ca-certificates.crt.new").c_str(),
                  (certs + "/ca-certificates.crt").c_str()) == 0,
         "rename");
    for (const char* p : {"a.pem", "1111.0", "b.pem", "2222.0"})
      must(::unlink((certs + "/" + p).c_str()) == 0, "unlink");
    make_link("/usr/share/ca-certificates/a.crt", certs + "/a.pem");
    make_link("a.pem", certs + "/1111.0");
    make_link("/usr/local/share/ca-certificates/c.crt", certs + "/c.pem");
    make_link("c.pem", certs + "/3333.0");
    const int fd = ::open((certs + "/java/cacerts").c_str(), O_WRONLY | O_TRUNC);  // in place
    must(fd >= 0 && ::write(fd, "keystore v2\n", 12) == 12, "rewrite in place");
    ::close(fd);
    make_dir(certs + "/new");
    write_file(certs + "/new/x", "x");
  }
};

struct Run {
  explicit Run(const World& w)
      : root(w.tmp.path()),
        backend(sys::make_real_backend()),
        run("r", *root.open_dir("/run"), *root.open_dir("/run/q"), *root.open_dir("/run/blobs")),
        context(root, *backend, run, target, log) {
    target.root_path = w.tmp.path();
    context.seq = 7;
  }
  sys::SafeRoot root;
  std::unique_ptr<sys::Backend> backend;
  RunDir run;
  Target target;
  std::ostringstream log;
  ExecContext context;
};

}  // namespace

TEST_CASE("tree pre-image: undo after the tool gives the tree back exactly") {
  World w;
  const Manifest before = manifest(w.certs, false);
  Run r(w);
  json undo = keep_tree_preimage("/etc/ssl/certs", r.context);
  // Keeping adds a name to each link (the hard link that keeps it) and changes nothing else.
  CHECK(lstat_of(w.certs + "/1111.0").st_nlink == 2);
  CHECK(lstat_of(w.certs + "/ca-certificates.crt").st_nlink == 1);  // a copy
  w.tool();
  note_tree_after(undo, r.context);
  // The untouched file's pre-image is dropped at once; the replaced ones are kept.
  CHECK(lstat_of(w.certs + "/local.pem").st_nlink == 1);
  CHECK(manifest(w.certs, false).entries != before.entries);

  restore_tree_preimage(undo, r.context);
  CHECK(r.context.notes.empty());
  CHECK(manifest(w.certs, false).entries == before.entries);
  // Symlinks come back as the very same inodes.
  CHECK(read_file(w.certs + "/ca-certificates.crt") == "bundle v1\n");

  // Idempotent: a second undo (a rollback run again after a crash) changes nothing.
  r.context.changed = false;
  restore_tree_preimage(undo, r.context);
  CHECK_FALSE(r.context.changed);
  CHECK(manifest(w.certs, false).entries == before.entries);
}

TEST_CASE("tree pre-image: the same links come back, not copies") {
  World w;
  const auto a_ino = lstat_of(w.certs + "/1111.0").st_ino;
  Run r(w);
  json undo = keep_tree_preimage("/etc/ssl/certs", r.context);
  w.tool();
  note_tree_after(undo, r.context);
  restore_tree_preimage(undo, r.context);
  CHECK(lstat_of(w.certs + "/1111.0").st_ino == a_ino);
  CHECK(lstat_of(w.certs + "/1111.0").st_nlink == 1);
}

TEST_CASE("tree pre-image: a tool interrupted before its end is undone too") {
  World w;
  const Manifest before = manifest(w.certs, false);
  Run r(w);
  json undo = keep_tree_preimage("/etc/ssl/certs", r.context);
  w.tool();  // killed before note_tree_after: no record of what it left
  restore_tree_preimage(undo, r.context);
  CHECK(manifest(w.certs, false).entries == before.entries);
}

TEST_CASE("tree pre-image: what changed after the tool is left alone, and said") {
  World w;
  Run r(w);
  json undo = keep_tree_preimage("/etc/ssl/certs", r.context);
  w.tool();
  note_tree_after(undo, r.context);
  write_file(w.certs + "/ca-certificates.crt", "bundle v3, an admin's\n");
  write_file(w.certs + "/admin.pem", "added later\n");
  restore_tree_preimage(undo, r.context);
  CHECK(read_file(w.certs + "/ca-certificates.crt") == "bundle v3, an admin's\n");
  CHECK(read_file(w.certs + "/admin.pem") == "added later\n");
  CHECK(read_file(w.certs + "/java/cacerts") == "keystore v1\n");
  CHECK(exists(w.certs + "/2222.0"));
  CHECK_FALSE(exists(w.certs + "/3333.0"));
  REQUIRE(r.context.notes.size() == 2);
  CHECK(r.context.notes[0].find("admin.pem") != std::string::npos);
  CHECK(r.context.notes[1].find("ca-certificates.crt") != std::string::npos);
  CHECK(r.context.notes[1].find("changed after the rebuild") != std::string::npos);
}

TEST_CASE("tree pre-image: a missing tree is recorded as such and undo does nothing") {
  TempDir tmp;
  make_dir(tmp / "run");
  make_dir(tmp / "run/q", 0700);
  make_dir(tmp / "run/blobs", 0700);
  sys::SafeRoot root(tmp.path());
  auto backend = sys::make_real_backend();
  RunDir run("r", *root.open_dir("/run"), *root.open_dir("/run/q"), *root.open_dir("/run/blobs"));
  Target target;
  std::ostringstream log;
  ExecContext context(root, *backend, run, target, log);
  json undo = keep_tree_preimage("/etc/ssl/certs", context);
  CHECK(undo.contains("absent"));
  note_tree_after(undo, context);
  restore_tree_preimage(undo, context);
  CHECK_FALSE(context.changed);
}
