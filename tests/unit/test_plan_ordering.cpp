// Ordering is table-driven: each case lists proposed steps (as the kinds would emit
// them, in playbook order) and the whole expected plan order.
#include <doctest/doctest.h>

#include "plan/ordering.hpp"

using namespace excise;

namespace {

struct In {
  Phase phase;
  std::string action;
  std::string target;
  std::size_t artifact = 0;
  int rank = 0;
  std::int64_t key = 0;
  std::string order_name = {};
  std::vector<std::string> after_steps = {};
};

std::vector<std::string> order(const std::vector<In>& in, const std::vector<ArtifactEdges>& edges,
                               Diagnostics& diags) {
  std::vector<ProposedStep> proposed;
  std::size_t emit = 0;
  for (const auto& i : in) {
    ProposedStep p;
    p.step.phase = i.phase;
    p.step.action = i.action;
    p.step.target = i.target;
    p.artifact_index = i.artifact;
    p.emit_index = emit++;
    p.rank = i.rank;
    p.key = i.key;
    p.order_name = i.order_name;
    p.after_steps = i.after_steps;
    proposed.push_back(p);
  }
  std::vector<std::string> out;
  for (const auto& s : order_steps(proposed, edges, diags))
    out.push_back(s.action + " " + s.target);
  return out;
}

std::vector<std::string> order(const std::vector<In>& in,
                               const std::vector<ArtifactEdges>& edges = {}) {
  Diagnostics diags;
  auto out = order(in, edges, diags);
  CHECK_MESSAGE(diags.empty(), diags.str());
  return out;
}

}  // namespace

TEST_CASE("plan ordering: phases run in the documented order") {
  CHECK(order({{Phase::accounts, "user.remove", "acme", 5},
               {Phase::cleanup, "path.quarantine", "/opt/acme", 4},
               {Phase::packages, "package.purge", "acme", 3},
               {Phase::refresh, "service.reload", "systemd", 0},
               {Phase::quiesce, "service.disable", "acme.service", 0}}) ==
        std::vector<std::string>{"service.disable acme.service", "package.purge acme",
                                 "path.quarantine /opt/acme", "user.remove acme",
                                 "service.reload systemd"});
}

TEST_CASE("plan ordering: packages go dependents first, whatever the playbook order") {
  // acme-agent-gui depends on acme-agent, acme-plugin depends on acme-agent-gui.
  CHECK(order({{Phase::packages,
                "package.purge",
                "acme-agent",
                0,
                0,
                0,
                "package acme-agent",
                {"package acme-agent-gui"}},
               {Phase::packages,
                "package.purge",
                "acme-agent-gui",
                0,
                0,
                0,
                "package acme-agent-gui",
                {"package acme-plugin"}},
               {Phase::packages,
                "package.purge",
                "acme-plugin",
                1,
                0,
                0,
                "package acme-plugin",
                {}}}) == std::vector<std::string>{"package.purge acme-plugin",
                                                  "package.purge acme-agent-gui",
                                                  "package.purge acme-agent"});
}

TEST_CASE("plan ordering: paths go deepest first, then in playbook order") {
  CHECK(order({{Phase::cleanup, "path.quarantine", "/opt/acme", 0, 1, -2},
               {Phase::cleanup, "path.quarantine", "/var/log/acme/a.log", 0, 1, -4},
               {Phase::cleanup, "path.quarantine", "/etc/acme.conf", 0, 1, -2},
               {Phase::cleanup, "path.prune", "/opt/vendor", 0, 2, -2},
               {Phase::cleanup, "path.quarantine", "/opt/vendor/acme/x", 0, 1, -4}}) ==
        std::vector<std::string>{"path.quarantine /var/log/acme/a.log",
                                 "path.quarantine /opt/vendor/acme/x", "path.quarantine /opt/acme",
                                 "path.quarantine /etc/acme.conf", "path.prune /opt/vendor"});
}

TEST_CASE("plan ordering: containment holds even against rank and key") {
  // The outer path would win on (rank, key), but it holds the inner one.
  CHECK(order({{Phase::cleanup, "path.quarantine", "/opt/acme", 0, 0, -100},
               {Phase::cleanup, "path.quarantine", "/opt/acme/keep/x", 1, 5, 0}}) ==
        std::vector<std::string>{"path.quarantine /opt/acme/keep/x", "path.quarantine /opt/acme"});
}

TEST_CASE("plan ordering: after edges order artifacts inside a phase") {
  // artifact 0 (a command) must run after artifact 2; artifact 1 has no constraint.
  const std::vector<ArtifactEdges> edges = {{0, 0, {2}}};
  CHECK(order({{Phase::before_packages, "command.run", "first-written", 0},
               {Phase::before_packages, "command.run", "free", 1},
               {Phase::before_packages, "command.run", "prerequisite", 2}},
              edges) == std::vector<std::string>{"command.run free", "command.run prerequisite",
                                                 "command.run first-written"});
}

TEST_CASE("plan ordering: users before groups, by rank") {
  CHECK(order({{Phase::accounts, "account.remove-group", "acme", 1, 1},
               {Phase::accounts, "account.remove-user", "acme", 0, 0},
               {Phase::accounts, "account.remove-group", "acmeadmin", 1, 1}}) ==
        std::vector<std::string>{"account.remove-user acme", "account.remove-group acme",
                                 "account.remove-group acmeadmin"});
}

TEST_CASE("plan ordering: a cycle is reported with the targets on it") {
  Diagnostics diags;
  // `after` asks for the outer path first, containment asks for the inner one first.
  const std::vector<ArtifactEdges> edges = {{0, 1, {0}}};
  const auto out = order({{Phase::cleanup, "path.quarantine", "/opt/acme", 0},
                          {Phase::cleanup, "path.quarantine", "/opt/acme/x", 1}},
                         edges, diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].message ==
        "the order of the cleanup steps has a cycle (after, dependencies or containment) among: "
        "/opt/acme, /opt/acme/x");
  CHECK(out.size() == 2);
}

TEST_CASE("plan ordering: path_within") {
  CHECK(path_within("/opt/acme/x", "/opt/acme"));
  CHECK(path_within("/opt/acme", "/opt/acme"));
  CHECK_FALSE(path_within("/opt/acmeX", "/opt/acme"));
  CHECK(path_within("/etc", "/"));
}
