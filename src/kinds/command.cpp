#include "kinds/command.hpp"

#include <vector>

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"
#include "playbook/glob.hpp"

namespace excise {

// ---- Reading [[command]] ------------------------------------------------------------

namespace {

// An argv: its items may be empty or repeat, but the program must be an absolute path.
std::vector<Located<std::string>> read_argv(FieldReader& fields, std::string_view key, Need need,
                                            bool allow_empty) {
  ListRules rules{.allow_empty = allow_empty, .allow_empty_items = true, .unique = false};
  auto argv = fields.strings(key, need, {}, rules);
  // Only when item 1 came through: a dropped item 1 has had its own message.
  if (!argv.empty() && argv.front().loc == fields.item_loc(key, 0)) {
    if (auto problem = plain_path_problem(argv.front().value); !problem.empty()) {
      fields.item_error(key, 0, quoted(argv.front().value) + ": " + problem);
    }
  }
  return argv;
}

const std::vector<std::string_view>& phase_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (Phase phase : kAllPhases)
      out.push_back(phase_name(phase));
    return out;
  }();
  return names;
}

}  // namespace

std::shared_ptr<const ArtifactSpec> CommandKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<CommandSpec>();
  fields.require("id");
  spec->run = read_argv(fields, "run", Need::required, false);
  auto phase = fields.choice("phase", phase_names(), "before-packages");
  spec->phase = {phase_from_name(phase.value).value_or(Phase::before_packages), phase.loc};
  spec->if_exists = fields.string("if_exists", Need::optional, plain_path_check);
  spec->timeout = fields.duration("timeout", std::chrono::seconds(300));
  spec->undo = read_argv(fields, "undo", Need::optional, true);
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
