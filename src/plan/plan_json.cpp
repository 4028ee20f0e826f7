#include "plan/plan_json.hpp"

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise {
namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(Failure::input, where + ": " + what);
}

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) bad(where, "expected an object");
  const auto it = object.find(key);
  if (it == object.end()) bad(where, std::string("missing key '") + key + "'");
  return *it;
}

std::string text(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_string()) bad(where, std::string("key '") + key + "' must be a string");
  return value.get<std::string>();
}

std::string bytes(const json& object, const char* key, const std::string& where) {
  return decode_bytes(text(object, key, where));
}

bool flag(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_boolean()) bad(where, std::string("key '") + key + "' must be true or false");
  return value.get<bool>();
}

const json& list(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_array()) bad(where, std::string("key '") + key + "' must be an array");
  return value;
}

json origin_to_json(const StepOrigin& origin) {
  return {{"product", origin.product},
          {"artifact", origin.artifact},
          {"source",
           {{"file", encode_bytes(origin.loc.file)},
            {"line", origin.loc.line},
            {"column", origin.loc.column}}}};
}

StepOrigin origin_from_json(const json& value, const std::string& where) {
  StepOrigin origin;
  origin.product = text(value, "product", where);
  origin.artifact = text(value, "artifact", where);
  const json& source = member(value, "source", where);
  origin.loc.file = bytes(source, "file", where + ".source");
  const json& line = member(source, "line", where + ".source");
  const json& column = member(source, "column", where + ".source");
  if (!line.is_number_unsigned() || !column.is_number_unsigned()) {
    bad(where + ".source", "line and column must be non-negative integers");
  }
  origin.loc.line = line.get<std::uint32_t>();
  origin.loc.column = column.get<std::uint32_t>();
  return origin;
}

template <class Item>
json items_to_json(const std::vector<Item>& items) {
  json out = json::array();
  for (const auto& item : items) {
    json entry = origin_to_json(item.origin);
    entry["target"] = encode_bytes(item.target);
    entry["reason"] = item.reason;
    out.push_back(std::move(entry));
  }
  return out;
}

template <class Item>
std::vector<Item> items_from_json(const json& array, const std::string& where) {
  std::vector<Item> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    Item item;
    item.target = bytes(array[i], "target", at);
    item.reason = text(array[i], "reason", at);
    item.origin = origin_from_json(array[i], at);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

json step_to_json(const Step& step) {
  json out = origin_to_json(step.origin);
  out["phase"] = std::string(phase_name(step.phase));
  out["action"] = step.action;
  out["target"] = encode_bytes(step.target);
  out["reason"] = step.reason;
  out["reversible"] = step.reversible;
  if (!step.reversible) out["irreversible_why"] = step.irreversible_why;
  out["params"] = step.params;
  return out;
}

Step step_from_json(const json& value, const std::string& where) {
  Step step;
  const std::string phase = text(value, "phase", where);
  const auto parsed = phase_from_name(phase);
  if (!parsed) bad(where, "unknown phase '" + phase + "'");
  step.phase = *parsed;
  step.action = text(value, "action", where);
  step.target = bytes(value, "target", where);
  step.reason = text(value, "reason", where);
  step.reversible = flag(value, "reversible", where);
  if (!step.reversible) step.irreversible_why = text(value, "irreversible_why", where);
  step.origin = origin_from_json(value, where);
  step.params = member(value, "params", where);
  if (!step.params.is_object()) bad(where, "key 'params' must be an object");
  return step;
}

json plan_to_json(const Plan& plan) {
  json out;
  out["format"] = std::string(kPlanFormat);
  out["format_version"] = Plan::kFormatVersion;
  out["tool_version"] = EXCISE_VERSION;
  out["root"] = encode_bytes(plan.root);
  out["live"] = plan.live;
  out["systemd"] = plan.systemd;
  out["created"] = plan.created;
  out["playbooks"] = json::array();
  for (const auto& p : plan.playbooks) {
    out["playbooks"].push_back({{"product", p.product},
                                {"name", p.name},
                                {"path", encode_bytes(p.path)},
                                {"sha256", p.sha256}});
  }
  out["steps"] = json::array();
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    json step = step_to_json(plan.steps[i]);
    step["seq"] = i + 1;
    out["steps"].push_back(std::move(step));
  }
  out["conflicts"] = items_to_json(plan.conflicts);
  out["blocked"] = items_to_json(plan.blocked);
  out["notes"] = json::array();
  for (const auto& note : plan.notes) {
    json entry = origin_to_json(note.origin);
    entry["text"] = note.text;
    out["notes"].push_back(std::move(entry));
  }
  out["facts"] = json::object();
  for (const auto& [key, value] : plan.facts)
    out["facts"][encode_bytes(key)] = encode_bytes(value);

  const PlanSummary summary = summarize(plan);
  json by_phase = json::object();
  for (const auto& [phase, count] : summary.by_phase)
    by_phase[std::string(phase_name(phase))] = count;
  out["summary"] = {{"steps", summary.steps},
                    {"irreversible", summary.irreversible},
                    {"conflicts", summary.conflicts},
                    {"blocked", summary.blocked},
                    {"by_phase", by_phase}};
  out["changed"] = false;  // making a plan changes nothing
  return out;
}

Plan plan_from_json(const json& document, const std::string& file) {
  const std::string where = "plan file " + shown(file);
  if (!document.is_object()) bad(where, "not a JSON object");
  const auto format = document.find("format");
  if (format == document.end() || *format != kPlanFormat) {
    bad(where, "not an excise plan (its \"format\" is not \"excise-plan\")");
  }
  const json& version = member(document, "format_version", where);
  if (!version.is_number_integer() || version.get<int>() != Plan::kFormatVersion) {
    bad(where, "plan format version " + version.dump() + " is not the one this excise reads (" +
                   std::to_string(Plan::kFormatVersion) + ")");
  }
  Plan plan;
  plan.root = bytes(document, "root", where);
  plan.live = flag(document, "live", where);
  plan.systemd = flag(document, "systemd", where);
  plan.created = text(document, "created", where);
  const json& playbooks = list(document, "playbooks", where);
  for (std::size_t i = 0; i < playbooks.size(); ++i) {
    const std::string at = where + ": playbooks[" + std::to_string(i) + "]";
    plan.playbooks.push_back({text(playbooks[i], "product", at), text(playbooks[i], "name", at),
                              bytes(playbooks[i], "path", at), text(playbooks[i], "sha256", at)});
  }
  const json& steps = list(document, "steps", where);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    plan.steps.push_back(step_from_json(steps[i], where + ": steps[" + std::to_string(i) + "]"));
  }
  plan.conflicts =
      items_from_json<Conflict>(list(document, "conflicts", where), where + ": conflicts");
  plan.blocked = items_from_json<Blocked>(list(document, "blocked", where), where + ": blocked");
  const json& notes = list(document, "notes", where);
  for (std::size_t i = 0; i < notes.size(); ++i) {
    const std::string at = where + ": notes[" + std::to_string(i) + "]";
    plan.notes.push_back({text(notes[i], "text", at), origin_from_json(notes[i], at)});
  }
  const json& facts = member(document, "facts", where);
  if (!facts.is_object()) bad(where, "key 'facts' must be an object");
  for (const auto& [key, value] : facts.items()) {
    if (!value.is_string()) bad(where, "fact '" + key + "' must be a string");
    plan.facts[decode_bytes(key)] = decode_bytes(value.get<std::string>());
  }
  return plan;
}

}  // namespace excise
