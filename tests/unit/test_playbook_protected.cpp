#include <doctest/doctest.h>

#include "kinds/checks.hpp"
#include "playbook/glob.hpp"
#include "playbook/protected_paths.hpp"

using namespace excise;

namespace {

// The whole load-time check a [[path]] glob goes through.
std::string glob_check(std::string_view glob) {
  return removal_glob_check(glob);
}

}  // namespace

TEST_CASE("playbook: SAFETY.md S6 patterns are all rejected") {
  struct Case {
    std::string glob, problem;
  };
  const Case cases[] = {
      {"/", "could match the protected path / (the root directory)"},
      {"//", "empty path component ('//' or a trailing '/')"},
      {"/./", "'.' and '..' components are not allowed"},
      {"/etc/..", "'.' and '..' components are not allowed"},
      {"~/..", "'.' and '..' components are not allowed"},
      {"/home/*/..", "'.' and '..' components are not allowed"},
      {"*", "must be absolute (start with '/' or '~/')"},
      {"/*", "could match the protected path /* (a top-level directory)"},
      {"", "must not be empty"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CHECK(glob_check(c.glob) == c.problem);
  }
}

TEST_CASE("playbook: protected path variants are rejected") {
  struct Case {
    std::string glob, problem;
  };
  const Case cases[] = {
      {"/etc", "could match the protected path /etc (a top-level directory)"},
      {"/usr", "could match the protected path /usr (a top-level directory)"},
      {"/opt", "could match the protected path /opt (a top-level directory)"},
      {"/e*", "could match the protected path /* (a top-level directory)"},
      {"/[eu]*", "could match the protected path /* (a top-level directory)"},
      {"/**", "could match the protected path / (the root directory)"},
      {"/**/acme", "could match the protected path /* (a top-level directory)"},
      {"/usr/**", "could match the protected path /usr (a top-level directory)"},
      {"/usr/**/bin", "could match the protected path /usr/bin"},
      {"/usr/bin", "could match the protected path /usr/bin"},
      {"/usr/b?n", "could match the protected path /usr/bin"},
      {"/usr/*", "could match the protected path /usr/bin"},
      {"/usr/lib/x86_64-linux-gnu", "could match the protected path /usr/lib/x86_64-linux-gnu"},
      {"/etc/*", "could match the protected path /etc/systemd"},
      {"/etc/pass*", "could match the protected path /etc/passwd"},
      {"/etc/passwd", "could match the protected path /etc/passwd"},
      {"/etc/shadow", "could match the protected path /etc/shadow"},
      {"/etc/sudoers.d", "could match the protected path /etc/sudoers.d"},
      {"/var/lib", "could match the protected path /var/lib"},
      {"/var/*", "could match the protected path /var/lib"},
      {"/usr/bin/*", "could match everything in the protected directory /usr/bin"},
      {"/usr/bin/?*", "could match everything in the protected directory /usr/bin"},
      {"/usr/bin/*/**", "could match everything in the protected directory /usr/bin"},
      {"/etc/ssl/certs/*", "could match everything in the protected directory /etc/ssl/certs"},
      {"/var/**/*", "could match the protected path /var/lib"},
      {"/usr/lib/*/*", "could match the protected path /usr/lib/systemd/system"},
      {"/etc/cron.*/*", "could match everything in the protected directory /etc/cron.d"},
      {"/opt/*", "could match everything in the protected directory /opt (a top-level directory)"},
      {"/*/acme", "could match the protected path /home/acme (a home directory)"},
      {"/home/*", "could match the protected path /home/* (a home directory)"},
      {"/home/alice", "could match the protected path /home/alice (a home directory)"},
      {"/home/*/*", "could match everything in the protected directory /home/* (a home directory)"},
      {"/root", "could match the protected path /root (a home directory)"},
      {"/root/**", "could match the protected path /root (a home directory)"},
      {"~", "could match the protected path ~ (a home directory)"},
      {"~/**", "could match the protected path ~ (a home directory)"},
      {"~/*", "could match everything in the protected directory ~ (a home directory)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CHECK(glob_check(c.glob) == c.problem);
  }
}

TEST_CASE("playbook: vendor globs are accepted") {
  for (const char* glob :
       {"/opt/acme", "/opt/acme/*", "/opt/acme/**", "/etc/acme*", "/var/log/acme/**/*.log",
        "~/.config/acme", "~/.acme*", "/var/opt/acme", "/home/*/.acme", "/usr/bin/acme*",
        "/usr/lib/acme", "/usr/lib/x86_64-linux-gnu/libacme.so*", "/etc/systemd/system/acme*",
        "/etc/init.d/acme-agent", "/etc/cron.d/acme", "/root/.acme", "/var/lib/acme",
        "/usr/share/applications/acme.desktop", "/etc/ssl/certs/acme-root.pem"}) {
    CAPTURE(glob);
    CHECK(glob_check(glob) == "");
  }
}

TEST_CASE("playbook: protected concrete paths for the planner") {
  const std::vector<std::string> homes = {"/home/alice", "/srv/www"};
  struct Case {
    std::string path;
    bool is_protected;
  };
  const Case cases[] = {
      {"/", true},
      {"/usr", true},
      {"/opt", true},
      {"/swapfile", true},  // every top-level entry
      {"/usr/bin", true},
      {"/usr/bin/ls", false},
      {"/etc/passwd", true},
      {"/etc/acme", false},
      {"/home/bob", true},
      {"/home/bob/.acme", false},
      {"/root", true},
      {"/srv/www", true},  // a home from passwd
      {"/srv/www/acme", false},
      {"/opt/acme", false},
      {"/opt/acme/", true},  // not canonical: protected
      {"/opt/../etc", true},
      {"relative", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(is_protected_path(c.path, homes) == c.is_protected);
  }
}

TEST_CASE("playbook: usable homes for '~'") {
  for (const char* home : {"/home/alice", "/root", "/var/lib/postgresql", "/opt/acme"}) {
    CAPTURE(home);
    CHECK(is_usable_home(home));
  }
  // Top-level homes (Debian's nobody has /nonexistent) are never used: "~/x" stays away
  // from "/x".
  for (const char* home : {"/", "/bin", "/usr/sbin", "/dev", "/nonexistent", "/var/spool/cron",
                           "home/x", "/home/alice/", ""}) {
    CAPTURE(home);
    CHECK_FALSE(is_usable_home(home));
  }
}

TEST_CASE("playbook: the protected list is well-formed and closed under parents") {
  // A parent that is not protected could be some user's home, and "~/x" would then
  // reach a protected path that the load-time check of "~" globs does not see.
  for (const auto& entry : protected_entries()) {
    CAPTURE(entry.pattern);
    auto glob = parse_path_glob(entry.pattern);
    CHECK(path_glob_problem(entry.pattern) == "");
    for (const auto& c : glob.components) {
      CHECK(c.type != GlobComponent::Type::any_depth);
      if (c.type == GlobComponent::Type::pattern) CHECK(c.text == "*");
    }
    if (glob.has_wildcards() || glob.from_home() || glob.components.empty()) continue;
    auto slash = entry.pattern.rfind('/');
    std::string_view parent =
        slash == 0 ? entry.pattern.substr(0, 1) : entry.pattern.substr(0, slash);
    CHECK(is_protected_path(parent));
  }
}
