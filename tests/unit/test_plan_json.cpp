// The plan document: a round trip keeps every field and every byte, and a bad plan file
// gets a message that names the file and the key.
#include <doctest/doctest.h>

#include <functional>

#include "excise/error.hpp"
#include "plan/plan_json.hpp"
#include "plan/staleness.hpp"

using namespace excise;

namespace {

Plan sample_plan() {
  Plan plan;
  plan.root = "/mnt/image";
  plan.live = false;
  plan.created = "2026-11-27T19:00:00Z";
  plan.playbooks = {{"acme-agent", "Acme Endpoint Agent", "/p/acme.toml", "abc123"}};
  Step step;
  step.phase = Phase::cleanup;
  step.action = "path.quarantine";
  step.target = std::string("/opt/acme/odd\n\xff name", 20);
  step.reason = "matches \"/opt/acme/*\"";
  step.origin = {"acme-agent", "path#1", {"/p/acme.toml", 12, 3}};
  step.params = {{"path", "/opt/acme/odd%0a%ff name"}, {"dev", 2049}, {"ino", 77}};
  plan.steps.push_back(step);
  Step purge;
  purge.phase = Phase::packages;
  purge.action = "package.purge";
  purge.target = "acme-agent";
  purge.reason = "1.2.3 installed";
  purge.reversible = false;
  purge.irreversible_why = "for the test";
  purge.origin = {"acme-agent", "package#1", {"/p/acme.toml", 4, 1}};
  plan.steps.push_back(purge);
  plan.conflicts.push_back(
      {"/etc/acme-shared.conf", "owned by package x", {"acme-agent", "path#1", {}}});
  plan.blocked.push_back(
      {"/home/alice/.config", "unsafe path", {"acme-agent", "path#2", {"f", 1, 1}}});
  plan.notes.push_back({"services are not stopped", {"acme-agent", "service#1", {"f", 2, 1}}});
  plan.facts = {{"path /opt/acme", "dir 1:2 0755 0:0"}, {std::string("path /x\xfe", 8), "file"}};
  return plan;
}

}  // namespace

TEST_CASE("plan json: a round trip keeps the whole plan, bytes included") {
  const Plan plan = sample_plan();
  const json document = plan_to_json(plan);
  CHECK(document["format"] == "excise-plan");
  CHECK(document["format_version"] == 1);
  CHECK(document["changed"] == false);
  CHECK(document["summary"]["steps"] == 2);
  CHECK(document["summary"]["irreversible"] == 1);
  CHECK(document["steps"][0]["seq"] == 1);
  CHECK(document["steps"][0]["target"] == "/opt/acme/odd\n%ff name");
  // Valid UTF-8 whatever the bytes: it must dump without throwing.
  const std::string text = document.dump();
  const Plan back = plan_from_json(json::parse(text), "plan.json");
  CHECK(back.root == plan.root);
  CHECK(back.steps == plan.steps);
  CHECK(back.conflicts == plan.conflicts);
  CHECK(back.blocked == plan.blocked);
  CHECK(back.notes == plan.notes);
  CHECK(back.facts == plan.facts);
  CHECK(back.playbooks == plan.playbooks);
}

TEST_CASE("plan json: bad plan files are refused with the key that is wrong") {
  struct Case {
    std::function<void(json&)> spoil;
    std::string message;
  };
  const Case cases[] = {
      {[](json& d) { d["format"] = "something-else"; },
       "plan file p.json: not an excise plan (its \"format\" is not \"excise-plan\")"},
      {[](json& d) { d["format_version"] = 2; },
       "plan file p.json: plan format version 2 is not the one this excise reads (1)"},
      {[](json& d) { d.erase("steps"); }, "plan file p.json: missing key 'steps'"},
      {[](json& d) { d["steps"][0]["phase"] = "later"; },
       "plan file p.json: steps[0]: unknown phase 'later'"},
      {[](json& d) { d["steps"][1]["reversible"] = "no"; },
       "plan file p.json: steps[1]: key 'reversible' must be true or false"},
      {[](json& d) { d["facts"]["path /x"] = 3; },
       "plan file p.json: fact 'path /x' must be a string"},
      {[](json& d) { d["steps"][0]["target"] = "/bad%zz"; },
       "malformed byte escape in \"/bad%zz\""},
  };
  for (const auto& c : cases) {
    json document = plan_to_json(sample_plan());
    c.spoil(document);
    try {
      (void)plan_from_json(document, "p.json");
      FAIL("accepted: " << c.message);
    } catch (const Error& e) {
      CHECK(e.failure() == Failure::input);
      CHECK(std::string(e.what()) == c.message);
    }
  }
}

TEST_CASE("plan staleness: says what changed, what went, what came, and whose playbook moved") {
  const Plan saved = sample_plan();
  Plan now = saved;
  CHECK(stale_facts(saved, now).empty());
  now.facts["path /opt/acme"] = "dir 1:9 0755 0:0";
  now.facts.erase(std::string("path /x\xfe", 8));
  now.facts["user acme"] = "lines 0123";
  now.playbooks[0].sha256 = "def456";
  CHECK(stale_facts(saved, now) ==
        std::vector<std::string>{
            "playbook acme-agent (/p/acme.toml) changed since the plan was made",
            "changed: path /opt/acme: was dir 1:2 0755 0:0, now dir 1:9 0755 0:0",
            "gone: path /x\\xfe (was file)",
            "new: user acme (lines 0123)",
        });
  now = saved;
  now.root = "/";
  CHECK(stale_facts(saved, now) ==
        std::vector<std::string>{"root: the plan was made for /mnt/image, not /"});
}

TEST_CASE("safety: plan staleness: something blocked now that was not is a difference (S2, S5)") {
  const Plan saved = sample_plan();
  Plan now = saved;
  // A mount appeared in a planned tree: its fact is gone and it is blocked instead.
  now.facts.erase("path /opt/acme");
  now.blocked.push_back({"/opt/acme", "contains a mount point (/opt/acme/cache)", {}});
  // An unsafe link appeared where the plan matched nothing.
  now.blocked.push_back({"/home/bob/.config", "unsafe path: not followed", {}});
  CHECK(stale_facts(saved, now) ==
        std::vector<std::string>{
            "now blocked: /opt/acme: contains a mount point (/opt/acme/cache)",
            "now blocked: /home/bob/.config: unsafe path: not followed",
        });
  // Blocked when planned and still blocked: the plan said so already.
  Plan both = now;
  CHECK(stale_facts(now, both).empty());
}

TEST_CASE("staleness: processes that exited or changed are the steps' business, new ones not") {
  Plan saved;
  saved.root = "/";
  saved.facts["process 100 5000"] = "exe 1:2 pid 100 /opt/acme/bin/acmed";
  saved.facts["process 101 5001"] = "exe 1:2 pid 101 /opt/acme/bin/acmed";
  saved.facts["cgroup /system.slice/acme.service"] = "ino 77";
  Plan now = saved;
  // 100 exited (its PID may be someone else's now), 101 called exec, the cgroup went.
  now.facts.erase("process 100 5000");
  now.facts["process 101 5001"] = "exe 1:3 pid 101 /usr/bin/sleep";
  now.facts.erase("cgroup /system.slice/acme.service");
  CHECK(stale_facts(saved, now).empty());
  // A worker forked by a matched process: it goes with its parent.
  now.facts["process-tree 102 5002"] = "exe 1:4 pid 102 /usr/bin/sleep";
  CHECK(stale_facts(saved, now).empty());
  // A product process the reviewed plan does not stop.
  now.facts["process 100 9000"] = "exe 1:2 pid 100 /opt/acme/bin/acmed";
  CHECK(stale_facts(saved, now) ==
        std::vector<std::string>{"new: process 100 9000 (exe 1:2 pid 100 /opt/acme/bin/acmed)"});
}

TEST_CASE("plan summary and exit code") {
  Plan plan;
  CHECK(plan_exit_code(plan) == 0);
  plan.conflicts.push_back({"/x", "kept", {}});
  CHECK(plan_exit_code(plan) == 0);  // kept on purpose is not banned content
  plan.blocked.push_back({"/y", "mount", {}});
  CHECK(plan_exit_code(plan) == 2);
  plan.blocked.clear();
  plan = sample_plan();
  CHECK(plan_exit_code(plan) == 2);
  const PlanSummary s = summarize(plan);
  CHECK(s.steps == 2);
  CHECK(s.by_phase.at(Phase::cleanup) == 1);
  CHECK(s.by_phase.at(Phase::packages) == 1);
}
