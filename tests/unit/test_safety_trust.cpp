// SAFETY.md S23: playbook trust, function by function. Every message is pinned: it says
// what is wrong, the rule, and the command that fixes it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "playbook/trust.hpp"
#include "system/fd.hpp"

using namespace excise;

namespace {

struct TrustDir {
  std::string path;
  TrustDir() {
    path = std::filesystem::temp_directory_path() / "excise-trust-XXXXXX";
    REQUIRE(mkdtemp(path.data()) != nullptr);
    REQUIRE(chmod(path.c_str(), 0755) == 0);
  }
  ~TrustDir() { std::filesystem::remove_all(path); }
  std::string dir(const std::string& name, mode_t mode, uid_t uid = 0) const {
    const std::string p = path + "/" + name;
    std::filesystem::create_directories(p);
    REQUIRE(chown(p.c_str(), uid, 0) == 0);
    REQUIRE(chmod(p.c_str(), mode) == 0);
    return p;
  }
  std::string file(const std::string& name, mode_t mode = 0644, uid_t uid = 0) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << "schema = 1\n";
    REQUIRE(chown(p.c_str(), uid, 0) == 0);
    REQUIRE(chmod(p.c_str(), mode) == 0);
    return p;
  }
};

std::string problem_of(const std::string& path) {
  sys::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  return trust_problem(fd.get(), path);
}

const std::string kRule = "; a playbook must be writable only by root; to fix: ";
const std::string kElsewhere = ", or keep playbooks in a directory only root can write";

}  // namespace

TEST_CASE("safety: playbook trust: what is refused and how to fix it (S23)") {
  if (geteuid() != 0) return;  // ownership cases need chown
  TrustDir t;
  SUBCASE("root-owned 0644 in root-owned 0755 directories: trusted") {
    t.dir("ok", 0755);
    CHECK(problem_of(t.file("ok/p.toml")) == "");
    CHECK(problem_of(t.file("ok/q.toml", 0600)) == "");
  }
  SUBCASE("the file") {
    t.dir("d", 0755);
    const std::string user = t.file("d/user.toml", 0644, 1234);
    CHECK(problem_of(user) ==
          "the file is owned by uid 1234, not root" + kRule + "chown root " + user);
    const std::string group = t.file("d/group.toml", 0664);
    CHECK(problem_of(group) ==
          "the file is writable by group or others (mode 0664)" + kRule + "chmod go-w " + group);
    const std::string world = t.file("d/world.toml", 0646);
    CHECK(problem_of(world) ==
          "the file is writable by group or others (mode 0646)" + kRule + "chmod go-w " + world);
  }
  SUBCASE("a directory above it, however far up") {
    const std::string d = t.dir("a", 0775);
    t.dir("a/b/c", 0755);
    const std::string f = t.file("a/b/c/p.toml");
    CHECK(problem_of(f) == "directory " + d + " is writable by group or others (mode 0775)" +
                               kRule + "chmod go-w " + d + kElsewhere);
    const std::string u = t.dir("u", 0755, 1234);
    const std::string g = t.file("u/p.toml");
    CHECK(problem_of(g) == "directory " + u + " is owned by uid 1234, not root" + kRule +
                               "chown root " + u + kElsewhere);
  }
  SUBCASE("sticky directories: only root's, like /tmp") {
    t.dir("sticky", 01777);
    CHECK(problem_of(t.file("sticky/p.toml")) == "");
    const std::string s = t.dir("usersticky", 01777, 1234);
    CHECK(problem_of(t.file("usersticky/p.toml")) == "directory " + s +
                                                         " is owned by uid 1234, not root" + kRule +
                                                         "chown root " + s + kElsewhere);
  }
  SUBCASE("a symlink is judged by where it leads when opened") {
    t.dir("safe", 0755);
    const std::string real = t.file("safe/p.toml");
    const std::string open_dir = t.dir("open", 0777);
    const std::string link = open_dir + "/p.toml";
    REQUIRE(symlink(real.c_str(), link.c_str()) == 0);
    CHECK(problem_of(link) == "");
    const std::string bad = t.file("open/bad.toml");
    REQUIRE(symlink(bad.c_str(), (t.path + "/safe/bad.toml").c_str()) == 0);
    CHECK(problem_of(t.path + "/safe/bad.toml") ==
          "directory " + open_dir + " is writable by group or others (mode 0777)" + kRule +
              "chmod go-w " + open_dir + kElsewhere);
  }
  SUBCASE("the command quotes a path a shell would split") {
    t.dir("d", 0755);
    const std::string f = t.file("d/it's mine.toml", 0666);
    CHECK(problem_of(f) == "the file is writable by group or others (mode 0666)" + kRule +
                               "chmod go-w '" + t.path + "/d/it'\\''s mine.toml'");
  }
}
