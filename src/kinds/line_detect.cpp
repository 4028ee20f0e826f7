// [[line]] and [[cron]] detection: the lines of a file that a product added. [[line]]
// names the file; [[cron]] looks in /etc/crontab, /etc/cron.d/* and the crontab spool.
// Each file with matching lines gets one line.remove step. Files are read through
// SafeRoot; a symlink is not edited (the edit would land wherever it points).
#include <fmt/format.h>

#include <regex>

#include "excise/bytes.hpp"
#include "kinds/cron.hpp"
#include "kinds/glob_expand.hpp"
#include "kinds/line.hpp"
#include "kinds/line_detect.hpp"
#include "kinds/line_edit.hpp"
#include "plan/detect_context.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

constexpr std::size_t kMaxEditedFile = 16u << 20;

void detect_lines_in(const std::string& path, const Located<std::string>& match,
                     DetectContext& context) {
  const auto content = read_editable(path, match.loc, context);
  if (!content) return;
  const LineRemoval removal =
      remove_matching_lines(*content, std::regex(match.value, std::regex::ECMAScript));
  if (removal.too_long > 0) {
    context.note(fmt::format("{}: {} line(s) longer than {} bytes were not matched", shown(path),
                             removal.too_long, kMaxMatchedLine),
                 match.loc);
  }
  if (removal.removed.empty()) return;
  std::string first = removal.lines.front();
  if (!first.empty() && first.back() == '\n') first.pop_back();
  Step step;
  step.phase = Phase::cleanup;
  step.action = "line.remove";
  step.target = path;
  step.reason =
      fmt::format("{} line(s) match /{}/, the first at line {}: {}", removal.removed.size(),
                  match.value, removal.removed.front() + 1, shown(first));
  step.origin = context.origin(match.loc);
  step.params = {{"path", encode_bytes(path)}, {"match", match.value}};
  context.fact("lines of " + path + " matching /" + match.value + "/",
               "sha256 " + sha256_hex(*content).substr(0, 16));
  context.propose(std::move(step), {0, 0, "", {}});
}

}  // namespace

std::optional<std::string> read_editable(const std::string& path, const SourceLoc& loc,
                                         DetectContext& context) {
  std::optional<sys::Resolved> resolved;
  try {
    resolved = context.root().resolve(path);
  } catch (const sys::UnsafePath& e) {
    context.block(path, std::string("unsafe path: ") + e.what(), loc);
    return std::nullopt;
  }
  if (!resolved || !resolved->stat) return std::nullopt;
  const sys::Stat& st = *resolved->stat;
  if (!st.is_regular()) {
    context.block(path,
                  fmt::format("is a {}, not a regular file: its lines are not edited",
                              sys::file_type_name(st.type())),
                  loc);
    return std::nullopt;
  }
  if (static_cast<std::size_t>(st.size) > kMaxEditedFile) {
    context.block(path, "larger than 16 MiB: not a configuration file excise edits", loc);
    return std::nullopt;
  }
  return resolved->parent.read_at(resolved->name, kMaxEditedFile);
}

void LineKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const LineSpec&>(*artifact.spec);
  detect_lines_in(spec.file.value, spec.match, context);
}

void CronKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const CronSpec&>(*artifact.spec);
  std::vector<std::string> files = {"/etc/crontab"};
  for (const char* dir : {"/etc/cron.d", "/var/spool/cron/crontabs"}) {
    std::optional<sys::Dir> d;
    try {
      d = context.root().open_dir(dir);
    } catch (const sys::UnsafePath& e) {
      context.block(dir, std::string("unsafe path: ") + e.what(), spec.match.loc);
    }
    if (!d) continue;
    for (const auto& entry : d->entries()) {
      const auto st = d->stat_at(entry.name);
      if (st && st->is_regular()) files.push_back(join_path(dir, entry.name));
    }
  }
  for (const auto& file : files)
    detect_lines_in(file, spec.match, context);
}

}  // namespace excise
