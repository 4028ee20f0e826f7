#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "playbook/catalogue.hpp"
#include "playbook_test_util.hpp"

using namespace excise;
using namespace excise::test;

namespace {

// A shipped and a local catalogue in a temporary directory, removed at the end.
struct Catalogues {
  std::string root;
  std::string shipped, local;
  std::vector<CatalogueDir> dirs;

  Catalogues() {
    root = std::filesystem::temp_directory_path() / "excise-catalogue-XXXXXX";
    REQUIRE(mkdtemp(root.data()) != nullptr);
    shipped = root + "/shipped";
    local = root + "/local";
    std::filesystem::create_directory(shipped);
    std::filesystem::create_directory(local);
    write(shipped + "/b.toml", "beta", "Beta (shipped)");
    write(shipped + "/a.toml", "alpha", "Alpha");
    write(shipped + "/.hidden.toml", "hidden", "Hidden");
    std::ofstream(shipped + "/README") << "not a playbook\n";
    write(local + "/beta-fixed.toml", "beta", "Beta (local)");
    write(local + "/c.toml", "gamma", "Gamma");
    dirs = {{shipped, Origin::shipped}, {local, Origin::local}};
  }
  ~Catalogues() { std::filesystem::remove_all(root); }

  static void write(const std::string& path, const std::string& id, const std::string& name) {
    std::ofstream(path) << "schema = 1\n[product]\nid = \"" << id << "\"\nname = \"" << name
                        << "\"\n[[path]]\nglobs = [\"/opt/" << id << "\"]\n";
  }
};

std::vector<std::string> ids(const Selection& selection) {
  std::vector<std::string> out;
  for (const auto& p : selection.playbooks)
    out.push_back(p.product.id);
  return out;
}

}  // namespace

TEST_CASE("playbook: catalogue listing is sorted, skips hidden and other files") {
  Catalogues c;
  Diagnostics diags;
  auto dirs = c.dirs;
  dirs.push_back({c.root + "/missing", Origin::local});  // a missing directory is fine
  auto sources = list_catalogue(dirs, diags);
  CHECK(diags.empty());
  REQUIRE(sources.size() == 4);
  CHECK(sources[0].path == c.shipped + "/a.toml");
  CHECK(sources[0].origin == Origin::shipped);
  CHECK(sources[1].path == c.shipped + "/b.toml");
  CHECK(sources[2].path == c.local + "/beta-fixed.toml");
  CHECK(sources[2].origin == Origin::local);
  CHECK(sources[3].path == c.local + "/c.toml");
}

TEST_CASE("playbook: a local playbook replaces the shipped one with its product id") {
  Catalogues c;
  Diagnostics diags;
  auto selection = load_catalogue(c.dirs, diags);
  CHECK(diags.str() == "");
  CHECK(ids(selection) == std::vector<std::string>{"alpha", "beta", "gamma"});
  CHECK(selection.playbooks[1].product.name == "Beta (local)");
  CHECK(selection.playbooks[1].origin == Origin::local);
  REQUIRE(selection.replaced.size() == 1);
  CHECK(selection.replaced[0].product == "beta");
  CHECK(selection.replaced[0].shipped_path == c.shipped + "/b.toml");
  CHECK(selection.replaced[0].local_path == c.local + "/beta-fixed.toml");
}

TEST_CASE("playbook: two shipped playbooks with one product id are an error") {
  Catalogues c;
  Catalogues::write(c.shipped + "/a2.toml", "alpha", "Alpha again");
  Diagnostics diags;
  auto selection = load_catalogue(c.dirs, diags);
  CHECK(diags.str() == c.shipped +
                           "/a2.toml:2:1: [product]: product id 'alpha' is already used by " +
                           c.shipped + "/a.toml:2:1\n");
  CHECK(ids(selection) == std::vector<std::string>{"beta", "gamma"});
}

TEST_CASE("playbook: command-line arguments choose playbooks") {
  Catalogues c;
  std::string given = c.root + "/given.toml";
  Catalogues::write(given, "delta", "Delta");
  std::string clash = c.root + "/clash.toml";
  Catalogues::write(clash, "alpha", "Alpha, given");
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> ids;
    std::string errors;
  };
  const Case cases[] = {
      {{}, {"alpha", "beta", "gamma"}, ""},
      {{"gamma", "alpha"}, {"gamma", "alpha"}, ""},
      {{"beta", "beta"}, {"beta"}, ""},
      {{given}, {"delta"}, ""},
      {{given, "alpha", given}, {"delta", "alpha"}, ""},
      {{"nope"}, {}, "command line: no playbook in the catalogue has product id 'nope'\n"},
      {{"nope.toml"}, {}, "nope.toml: cannot read: No such file or directory\n"},
      {{"./nope"}, {}, "./nope: cannot read: No such file or directory\n"},
      {{"alpha", clash},
       {"alpha"},
       clash + ":2:1: [product]: product id 'alpha' is already used by " + c.shipped +
           "/a.toml:2:1\n"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.args.size());
    CAPTURE(k.errors);
    Diagnostics diags;
    auto selection = select_playbooks(k.args, c.dirs, diags);
    CHECK(diags.str() == k.errors);
    CHECK(ids(selection) == k.ids);
  }
}

TEST_CASE("playbook: an unknown id says when catalogue files have errors") {
  Catalogues c;
  std::ofstream(c.shipped + "/broken.toml") << "schema = 1\n[product]\nid = \"broken\"\n";
  Diagnostics diags;
  auto selection = select_playbooks({"broken"}, c.dirs, diags);
  CHECK(selection.playbooks.empty());
  CHECK(diags.str() == c.shipped + "/broken.toml:2:1: [product]: missing required key 'name'\n" +
                           "command line: no playbook in the catalogue has product id 'broken' "
                           "(some catalogue files have errors)\n");
}

TEST_CASE("playbook: the default catalogue directories") {
  auto dirs = default_catalogue_dirs();
  REQUIRE(dirs.size() == 2);
  CHECK(dirs[0].origin == Origin::shipped);
  CHECK(dirs[1].path == "/etc/excise/playbooks.d");
  CHECK(dirs[1].origin == Origin::local);
}
