// Read-only checks against this machine's dpkg database: nothing here writes.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "dpkg_test_files.hpp"
#include "system/dpkg_database.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

const std::string kAdmin = "/var/lib/dpkg/";

std::optional<std::string> read_admin(std::string_view name) {
  return excise::test::read_host_file(kAdmin + std::string(name));
}

// "name:arch" -> version, from dpkg-query itself.
std::map<std::string, std::string> dpkg_query_versions() {
  std::map<std::string, std::string> out;
  FILE* p = popen("dpkg-query -W -f '${Package}:${Architecture} ${Version}\\n' 2>/dev/null", "r");
  if (!p) return out;
  char buf[1024];
  while (fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    const auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = line.substr(space + 1);
  }
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("dpkg: this machine's database loads and agrees with dpkg-query") {
  const auto status = read_admin("status");
  if (!status) return;  // not a dpkg system

  const auto start = std::chrono::steady_clock::now();
  const DpkgDatabase db = DpkgDatabase::load(*status, read_admin);
  const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count() /
                  1000.0;
  std::size_t present = 0, files = db.owned_below("/").size();
  for (const auto& p : db.packages())
    present += p.present();
  MESSAGE("loaded /var/lib/dpkg: " << db.packages().size() << " stanzas, " << present
                                   << " present, " << files << " owned paths, "
                                   << db.diversions().size() << " diversions in " << ms << " ms");

  // Every installed package has its file list (dpkg would warn otherwise).
  for (const auto& problem : db.problems())
    MESSAGE(problem);
  CHECK(db.problems().empty());
  CHECK(db.pending_updates() == 0);
  CHECK_FALSE(db.native_arch().empty());

  // Versions agree with dpkg-query for every package it reports.
  const auto versions = dpkg_query_versions();
  std::size_t compared = 0;
  for (const auto& p : db.packages()) {
    if (!p.present()) continue;
    const auto it = versions.find(p.name + ":" + p.arch);
    if (it == versions.end()) continue;
    CAPTURE(p.name);
    CHECK(p.version_text == it->second);
    ++compared;
  }
  if (!versions.empty()) CHECK(compared == present);

  // dpkg owns its own binary and its admin directory's parent.
  const auto dpkg = db.find("dpkg");
  REQUIRE(dpkg.has_value());
  const auto owners = db.owners("/usr/bin/dpkg");
  REQUIRE(owners.size() == 1);
  CHECK(owners.front() == *dpkg);
  CHECK_FALSE(db.owned_below("/usr/share/doc/dpkg").empty());

  // A diverted path's original owner is found at the divert target.
  for (const auto& d : db.diversions()) {
    if (d.package.empty()) continue;
    for (auto o : db.owners(d.to))
      CHECK(db.packages()[o].name != d.package);
  }

  // Nothing installed depends on a package whose removal would break nothing... but
  // libc6 is needed by almost everything.
  if (const auto libc = db.find("libc6")) {
    CHECK(db.reverse_dependencies(*libc).size() > 10);
  }
}
