// [[kernel_module]] configuration: the lines that load a module at boot (modules-load.d,
// Debian's /etc/modules) or configure it (modprobe.d: options, install, remove, softdep,
// and aliases that resolve to it) go through line.remove, with an exact regex built from
// the names. `blacklist NAME` lines are kept: they keep the module out should it come back.
//
// The regex works on physical lines, modprobe on directives (a trailing backslash joins
// the next line). Each file is read both ways, and edited only when the regex removes
// exactly the lines of the directives that name the module: a directive that spans
// several lines, or a line that merely looks like one inside another directive, blocks
// the file instead of leaving half a directive behind.
#include <fmt/format.h>

#include <regex>

#include "excise/bytes.hpp"
#include "kinds/glob_expand.hpp"
#include "kinds/kernel_module_detect.hpp"
#include "kinds/line_detect.hpp"
#include "kinds/line_edit.hpp"
#include "kinds/path_rules.hpp"
#include "plan/detect_context.hpp"
#include "system/kernel_modules.hpp"
#include "system/safe_root.hpp"

namespace excise {

// A regex alternative that matches a module name as modprobe does: '-' and '_' alike,
// every other byte literally. (A playbook's names are [A-Za-z0-9_-]; anything else is
// escaped anyway, so the pattern can never mean more than the name.)
std::string module_name_pattern(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '-' || c == '_') {
      out += "[-_]";
    } else if (alnum) {
      out += c;
    } else {
      out += '\\';
      out += c;
    }
  }
  return out;
}

// The lines that name one of `names` in a file of that flavor (see the file comment).
std::string module_config_regex(const std::vector<std::string>& names, ConfigFlavor flavor) {
  std::string any;
  for (const auto& name : names)
    any += (any.empty() ? "" : "|") + module_name_pattern(name);
  any = "(?:" + any + ")";
  if (flavor == ConfigFlavor::modules_load) return "^[ \\t\\r]*" + any + "(?:[ \\t\\r].*)?$";
  return "^[ \\t]*(?:(?:options|install|remove|softdep)[ \\t]+" + any +
         "|alias[ \\t]+[^ \\t]+[ \\t]+" + any + ")(?:[ \\t].*)?$";
}

namespace {

struct ConfigFile {
  std::string path;
  ConfigFlavor flavor;
};

constexpr std::string_view kModulesLoadDirs[] = {"/etc/modules-load.d", "/run/modules-load.d",
                                                 "/usr/local/lib/modules-load.d",
                                                 "/usr/lib/modules-load.d", "/lib/modules-load.d"};
constexpr std::string_view kModprobeDirs[] = {"/etc/modprobe.d", "/run/modprobe.d",
                                              "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
                                              "/lib/modprobe.d"};

using Identity = std::pair<std::uint64_t, std::uint64_t>;

class ConfigScan {
 public:
  ConfigScan(const KernelModuleSpec& spec, const SourceLoc& loc, DetectContext& context)
      : loc_(loc), context_(context), keys_(module_keys(spec)), rules_(context) {
    for (const auto& n : spec.names)
      names_.push_back(n.value);
  }

  void run() {
    add_file("/etc/modules", ConfigFlavor::modules_load);
    for (const auto dir : kModulesLoadDirs)
      add_dir(dir, ConfigFlavor::modules_load);
    for (const auto dir : kModprobeDirs)
      add_dir(dir, ConfigFlavor::modprobe);
    for (const auto& link : links_)
      check_link(link);
    for (const auto& file : files_)
      detect_in(file);
  }

 private:
  void add_file(const std::string& path, ConfigFlavor flavor) {
    std::optional<sys::Stat> st;
    try {
      st = context_.root().lstat(path);
    } catch (const sys::UnsafePath& e) {
      context_.block(path, std::string("unsafe path: ") + e.what(), loc_);
      return;
    }
    if (!st) return;
    if (st->is_symlink()) {
      links_.push_back({path, flavor});
    } else if (st->is_regular() && seen_.insert({st->dev, st->ino}).second) {
      files_.push_back({path, flavor});
    }
  }

  void add_dir(std::string_view dir, ConfigFlavor flavor) {
    std::optional<sys::Dir> d;
    try {
      d = context_.root().open_dir(dir);
    } catch (const sys::UnsafePath& e) {
      context_.block(std::string(dir), std::string("unsafe path: ") + e.what(), loc_);
    }
    if (!d) return;
    const sys::Stat st = d->stat();
    if (!dirs_.insert({st.dev, st.ino}).second) return;  // /lib is /usr/lib on merged /usr
    // Only *.conf files are read, by kmod and by systemd-modules-load alike.
    for (const auto& entry : d->entries()) {
      if (entry.name.size() > 5 && entry.name.ends_with(".conf"))
        add_file(join_path(std::string(dir), entry.name), flavor);
    }
  }

  // A symlink is not edited (the edit would land wherever it points). Debian links
  // /etc/modules-load.d/modules.conf to ../modules, which is read on its own; a link to
  // /dev/null masks a file; any other link whose target names the module is blocked.
  void check_link(const ConfigFile& link) {
    std::optional<std::string> content;
    std::string target;
    try {
      const auto st = stat_through(link.path);
      if (!st || !st->is_regular() || seen_.count({st->dev, st->ino})) return;
      content = context_.root().read_file(link.path, 16u << 20);
      const auto r = context_.root().resolve(link.path);
      if (r) target = r->parent.link_at(r->name);
    } catch (const Error&) {
      return;  // a dangling or unsafe link loads nothing that excise could edit
    }
    if (!content || classify(*content, link.flavor).remove.empty()) return;
    context_.block(link.path,
                   fmt::format("a symlink to {} whose lines load or configure {}: not edited "
                               "(the edit would land where it points)",
                               shown(target), names_text()),
                   loc_);
  }

  // The object a path leads to, following symlinks inside the root (at most 40, as the
  // kernel does).
  std::optional<sys::Stat> stat_through(std::string path) const {
    for (int hops = 0; hops < 40; ++hops) {
      const auto r = context_.root().resolve(path);
      if (!r || !r->stat) return std::nullopt;
      if (!r->stat->is_symlink()) return r->stat;
      std::string target = r->parent.link_at(r->name);
      if (target.empty()) return std::nullopt;
      path = target.front() == '/' ? target : join_path(r->parent.path(), target);
    }
    return std::nullopt;
  }

  struct Classified {
    std::set<std::size_t> remove;        // physical line indices
    std::vector<std::size_t> continued;  // 0-based first lines of long directives
    std::vector<std::pair<std::size_t, std::string>> blacklist;  // line, its text
  };

  Classified classify(const std::string& content, ConfigFlavor flavor) const {
    Classified out;
    if (flavor == ConfigFlavor::modules_load) {
      const auto lines = split_lines(content);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (line.ends_with('\n')) line.remove_suffix(1);
        const auto entry = sys::modules_load_entry(line);
        if (entry && keys_.count(sys::module_key(*entry))) out.remove.insert(i);
      }
      return out;
    }
    for (const auto& d : sys::parse_modprobe_conf(content)) {
      const auto& w = d.words;
      const auto names = [&](std::size_t k) {
        return w.size() > k && keys_.count(sys::module_key(w[k])) > 0;
      };
      const std::string& cmd = w[0];
      const bool ours =
          ((cmd == "options" || cmd == "install" || cmd == "remove" || cmd == "softdep") &&
           names(1)) ||
          (cmd == "alias" && names(2));
      if (cmd == "blacklist" && names(1)) {
        std::string text;
        for (const auto& word : w)
          text += (text.empty() ? "" : " ") + word;
        out.blacklist.emplace_back(d.first_line, text);
      }
      if (!ours) continue;
      if (d.line_count > 1) {
        out.continued.push_back(d.first_line);
      } else {
        out.remove.insert(d.first_line);
      }
    }
    return out;
  }

  void detect_in(const ConfigFile& file) {
    const Owners owners = rules_.owners(file.path, file.path);
    if (owners.foreign.empty() && !owners.named.empty()) return;  // dpkg removes it
    const auto content = read_editable(file.path, loc_, context_);
    if (!content) return;
    const Classified found = classify(*content, file.flavor);
    for (const auto& [line, text] : found.blacklist) {
      context_.note(fmt::format("{}:{}: \"{}\" is kept: it keeps the module from loading "
                                "should it come back",
                                shown(file.path), line + 1, shown(text)),
                    loc_);
    }
    const std::string regex = module_config_regex(names_, file.flavor);
    const LineRemoval removal =
        remove_matching_lines(*content, std::regex(regex, std::regex::ECMAScript));
    const std::set<std::size_t> matched(removal.removed.begin(), removal.removed.end());
    if (!found.continued.empty() || matched != found.remove) {
      const std::size_t line = !found.continued.empty() ? found.continued.front()
                               : !found.remove.empty()  ? *found.remove.begin()
                                                        : *matched.begin();
      context_.block(file.path,
                     fmt::format("line {} belongs to a directive that continues over several "
                                 "lines (a trailing backslash) and names {}: not edited, "
                                 "since removing single lines would leave part of it behind; "
                                 "edit it by hand",
                                 line + 1, names_text()),
                     loc_);
      return;
    }
    if (removal.removed.empty()) return;
    std::string first = removal.lines.front();
    if (!first.empty() && first.back() == '\n') first.pop_back();
    Step step;
    step.phase = Phase::cleanup;
    step.action = "line.remove";
    step.target = file.path;
    step.reason = fmt::format("{} line(s) {} {}, the first at line {}: {}", removal.removed.size(),
                              file.flavor == ConfigFlavor::modprobe ? "configure" : "load at boot",
                              names_text(), removal.removed.front() + 1, shown(first));
    step.origin = context_.origin(loc_);
    step.params = {{"path", encode_bytes(file.path)}, {"match", regex}};
    context_.fact("lines of " + file.path + " matching /" + regex + "/",
                  "sha256 " + sha256_hex(*content).substr(0, 16));
    context_.propose(std::move(step), {0, 0, "", {}});
  }

  std::string names_text() const {
    std::string out;
    for (const auto& n : names_)
      out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  const SourceLoc& loc_;
  DetectContext& context_;
  std::set<std::string> keys_;
  std::vector<std::string> names_;
  PathRules rules_;
  std::set<Identity> dirs_, seen_;
  std::vector<ConfigFile> files_, links_;
};

}  // namespace

void detect_module_config(const KernelModuleSpec& spec, const SourceLoc& loc,
                          DetectContext& context) {
  ConfigScan(spec, loc, context).run();
}

}  // namespace excise
