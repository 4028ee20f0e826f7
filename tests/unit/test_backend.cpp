// Backends: the dry run changes nothing and says what it would do; the real one does it.
#include <doctest/doctest.h>

#include <sstream>

#include "fs_test_util.hpp"
#include "system/backend.hpp"

using namespace excise;
using namespace excise::sys;
using namespace fs_test;

namespace {

struct Tree {
  TempDir tmp;
  Tree() {
    make_dir(tmp / "opt");
    make_dir(tmp / "opt/acme");
    write_file(tmp / "opt/acme/agent", "#!/bin/sh\n", 04755);
    make_dir(tmp / "opt/empty");
    make_link("/etc", tmp / "opt/link");
    make_dir(tmp / "q", 0700);
  }
};

const FileMeta kMeta{0644, 0, 0, {1, 0}, {2, 0}, {{"user.x", "y"}}};

}  // namespace

TEST_CASE("backend: the dry run changes nothing and prints one line per operation") {
  Tree t;
  const Manifest before = manifest(t.tmp.path());
  SafeRoot root(t.tmp.path());
  Dir opt = *root.open_dir("/opt");
  Dir q = *root.open_dir("/q");
  Dir planned = Dir::placeholder("/q/run-1");  // would be made by an earlier step
  std::ostringstream log;
  auto backend = make_dry_run_backend(log);
  CHECK_FALSE(backend->writes());

  backend->make_dir(q, "run-1", FileMeta{0700, 0, 0, {}, {}, {}});
  backend->rename(opt, "acme", planned, "3", RenameMode::noreplace);
  backend->rename(opt, "acme", opt, "empty", RenameMode::exchange);
  backend->hard_link(opt, "link", planned, "link");
  backend->make_symlink(planned, "odd\nname", "/target\xff");
  backend->remove_file(opt, "link");
  backend->remove_empty_dir(opt, "empty");
  backend->remove_tree(opt, "acme");
  backend->copy_tree(opt, "acme", planned, "copy");
  backend->write_file(planned, "conf", "12345", kMeta);
  backend->set_meta(opt, "acme", kMeta);
  backend->set_mode(opt, "acme", 0100600);
  backend->sync(planned);
  CommandResult r =
      backend->run(Command{{"dpkg", "--purge", "acme agent"}, {}, std::chrono::seconds(1)});
  CHECK(r.simulated);
  CHECK(r.ok());

  CHECK(manifest(t.tmp.path()).entries == before.entries);
  CHECK(log.str() ==
        "would create directory /q/run-1 (mode 0700, owner 0:0)\n"
        "would rename /opt/acme -> /q/run-1/3\n"
        "would exchange /opt/acme <-> /opt/empty\n"
        "would link /q/run-1/link to /opt/link\n"
        "would create symlink /q/run-1/odd\\nname -> /target\\xff\n"
        "would remove /opt/link\n"
        "would remove directory /opt/empty\n"
        "would remove tree /opt/acme\n"
        "would copy tree /opt/acme -> /q/run-1/copy\n"
        "would write /q/run-1/conf (5 bytes, mode 0644, owner 0:0, 1 xattrs)\n"
        "would set metadata of /opt/acme (mode 0644, owner 0:0, 1 xattrs)\n"
        "would change mode of /opt/acme to 0600\n"
        "would sync /q/run-1\n"
        "would run: dpkg --purge 'acme agent'\n");
}

TEST_CASE("backend: the real backend performs each operation through descriptors") {
  Tree t;
  must(::link((t.tmp / "opt/acme/agent").c_str(), (t.tmp / "kept").c_str()) == 0, "link");
  SafeRoot root(t.tmp.path());
  Dir opt = *root.open_dir("/opt");
  Dir q = *root.open_dir("/q");
  auto backend = make_real_backend();
  CHECK(backend->writes());

  backend->make_dir(q, "run-1", FileMeta{0750, 1000, 1000, {5, 0}, {6, 0}, {}});
  CHECK((lstat_of(t.tmp / "q/run-1").st_mode & 07777) == 0750);
  CHECK(lstat_of(t.tmp / "q/run-1").st_uid == 1000);
  CHECK_THROWS_AS(backend->make_dir(q, "run-1", kMeta), Error);
  Dir run = *q.find_dir("run-1");

  backend->hard_link(opt, "link", run, "link");
  CHECK(S_ISLNK(lstat_of(t.tmp / "q/run-1/link").st_mode));
  backend->make_symlink(run, "odd\nname", "/target");
  CHECK(exists(t.tmp / "q/run-1/odd\nname"));
  backend->copy_tree(opt, "acme", run, "copy");
  CHECK(read_file(t.tmp / "q/run-1/copy/agent") == "#!/bin/sh\n");
  backend->rename(opt, "acme", run, "3", RenameMode::noreplace);
  CHECK_FALSE(exists(t.tmp / "opt/acme"));
  backend->write_file(run, "conf", "12345", kMeta);
  CHECK(read_file(t.tmp / "q/run-1/conf") == "12345");
  backend->set_meta(run, "conf", FileMeta{0600, 0, 0, {1, 0}, {2, 0}, {}});
  CHECK(xattrs_of(t.tmp / "q/run-1/conf").empty());
  backend->set_mode(run, "conf", 0640);
  CHECK((lstat_of(t.tmp / "q/run-1/conf").st_mode & 07777) == 0640);
  CHECK_THROWS_WITH_AS(backend->set_mode(run, "link", 0600), doctest::Contains("symlink"), Error);

  // remove_file clears set-id first: the other name keeps the content, not the bits (S8).
  Dir moved = *run.find_dir("3");
  backend->remove_file(moved, "agent");
  CHECK((lstat_of(t.tmp / "kept").st_mode & 07777) == 0600);
  CHECK_THROWS_AS(backend->remove_file(moved, "agent"), Error);
  CHECK_THROWS_AS(backend->remove_file(run, "copy"), Error);  // a directory
  backend->remove_empty_dir(run, "3");
  backend->remove_empty_dir(opt, "empty");
  backend->remove_file(opt, "link");
  CHECK(lstat_of("/etc").st_nlink > 0);
  backend->remove_tree(q, "run-1");
  CHECK_FALSE(exists(t.tmp / "q/run-1"));
  backend->sync(q);
  CommandResult r = backend->run(Command{{"echo", "ran"}, {}, std::chrono::seconds(10)});
  CHECK_FALSE(r.simulated);
  CHECK(r.out == "ran\n");
}
