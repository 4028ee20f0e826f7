#include "playbook/protected_paths.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace excise {
namespace {

using Type = GlobComponent::Type;

// Order matters only for messages: of the entries a glob could match, the one with the
// fewest components is named, the first of them in this order.
constexpr ProtectedEntry kEntries[] = {
    {"/", "the root directory", false},
    {"~", "a home directory", true},
    {"/home/*", "a home directory", true},
    {"/root", "a home directory", true},
    {"/*", "a top-level directory", false},
    // Second and third level directories that hold the system.
    {"/usr/bin", "", false},
    {"/usr/sbin", "", false},
    {"/usr/lib", "", false},
    {"/usr/lib32", "", false},
    {"/usr/lib64", "", false},
    {"/usr/libx32", "", false},
    {"/usr/libexec", "", false},
    {"/usr/share", "", false},
    {"/usr/include", "", false},
    {"/usr/src", "", false},
    {"/usr/games", "", false},
    {"/usr/local", "", false},
    {"/usr/local/bin", "", false},
    {"/usr/local/sbin", "", false},
    {"/usr/local/lib", "", false},
    {"/usr/local/share", "", false},
    {"/usr/local/etc", "", false},
    {"/usr/local/include", "", false},
    {"/usr/lib/x86_64-linux-gnu", "", false},
    {"/usr/lib/i386-linux-gnu", "", false},
    {"/usr/lib/aarch64-linux-gnu", "", false},
    {"/usr/lib/arm-linux-gnueabihf", "", false},
    {"/usr/lib/arm-linux-gnueabi", "", false},
    {"/usr/lib/powerpc64le-linux-gnu", "", false},
    {"/usr/lib/s390x-linux-gnu", "", false},
    {"/usr/lib/riscv64-linux-gnu", "", false},
    {"/usr/lib/mips64el-linux-gnuabi64", "", false},
    {"/usr/lib/systemd", "", false},
    {"/usr/lib/systemd/system", "", false},
    {"/usr/lib/systemd/user", "", false},
    {"/usr/lib/modules", "", false},
    {"/usr/lib/firmware", "", false},
    {"/usr/lib/udev", "", false},
    {"/usr/share/doc", "", false},
    {"/usr/share/applications", "", false},
    {"/usr/share/ca-certificates", "", false},
    {"/lib/x86_64-linux-gnu", "", false},
    {"/lib/i386-linux-gnu", "", false},
    {"/lib/aarch64-linux-gnu", "", false},
    {"/lib/arm-linux-gnueabihf", "", false},
    {"/lib/arm-linux-gnueabi", "", false},
    {"/lib/powerpc64le-linux-gnu", "", false},
    {"/lib/s390x-linux-gnu", "", false},
    {"/lib/riscv64-linux-gnu", "", false},
    {"/lib/mips64el-linux-gnuabi64", "", false},
    {"/lib/systemd", "", false},
    {"/lib/systemd/system", "", false},
    {"/lib/modules", "", false},
    {"/lib/firmware", "", false},
    {"/lib/udev", "", false},
    {"/var/lib", "", false},
    {"/var/log", "", false},
    {"/var/cache", "", false},
    {"/var/spool", "", false},
    {"/var/opt", "", false},
    {"/var/tmp", "", false},
    {"/var/mail", "", false},
    {"/var/backups", "", false},
    {"/var/local", "", false},
    {"/var/lib/dpkg", "", false},
    {"/var/lib/rpm", "", false},
    {"/var/lib/apt", "", false},
    {"/var/lib/systemd", "", false},
    {"/var/spool/cron", "", false},
    {"/var/spool/cron/crontabs", "", false},
    {"/etc/systemd", "", false},
    {"/etc/systemd/system", "", false},
    {"/etc/ssl", "", false},
    {"/etc/ssl/certs", "", false},
    {"/etc/ssl/private", "", false},
    {"/etc/pki", "", false},
    {"/etc/ca-certificates", "", false},
    {"/etc/pam.d", "", false},
    {"/etc/default", "", false},
    {"/etc/init.d", "", false},
    {"/etc/rc0.d", "", false},
    {"/etc/rc1.d", "", false},
    {"/etc/rc2.d", "", false},
    {"/etc/rc3.d", "", false},
    {"/etc/rc4.d", "", false},
    {"/etc/rc5.d", "", false},
    {"/etc/rc6.d", "", false},
    {"/etc/rcS.d", "", false},
    {"/etc/cron.d", "", false},
    {"/etc/cron.hourly", "", false},
    {"/etc/cron.daily", "", false},
    {"/etc/cron.weekly", "", false},
    {"/etc/cron.monthly", "", false},
    {"/etc/apt", "", false},
    {"/etc/apt/sources.list.d", "", false},
    {"/etc/apt/trusted.gpg.d", "", false},
    {"/etc/yum.repos.d", "", false},
    {"/etc/security", "", false},
    {"/etc/sudoers.d", "", false},
    {"/etc/ld.so.conf.d", "", false},
    {"/etc/profile.d", "", false},
    {"/etc/modprobe.d", "", false},
    {"/etc/modules-load.d", "", false},
    {"/etc/sysctl.d", "", false},
    {"/etc/udev", "", false},
    {"/etc/udev/rules.d", "", false},
    {"/etc/dbus-1", "", false},
    {"/etc/polkit-1", "", false},
    {"/etc/logrotate.d", "", false},
    {"/etc/alternatives", "", false},
    {"/etc/network", "", false},
    {"/etc/ssh", "", false},
    {"/etc/skel", "", false},
    {"/etc/xdg", "", false},
    // Key files.
    {"/etc/passwd", "", false},
    {"/etc/shadow", "", false},
    {"/etc/group", "", false},
    {"/etc/gshadow", "", false},
    {"/etc/subuid", "", false},
    {"/etc/subgid", "", false},
    {"/etc/sudoers", "", false},
    {"/etc/sudo.conf", "", false},
    {"/etc/fstab", "", false},
    {"/etc/crontab", "", false},
    {"/etc/hosts", "", false},
    {"/etc/hostname", "", false},
    {"/etc/resolv.conf", "", false},
    {"/etc/nsswitch.conf", "", false},
    {"/etc/login.defs", "", false},
    {"/etc/shells", "", false},
    {"/etc/profile", "", false},
    {"/etc/environment", "", false},
    {"/etc/bash.bashrc", "", false},
    {"/etc/ld.so.conf", "", false},
    {"/etc/ld.so.cache", "", false},
    {"/etc/os-release", "", false},
    {"/etc/machine-id", "", false},
    {"/etc/localtime", "", false},
    {"/etc/ssh/sshd_config", "", false},
};

struct Parsed {
  const ProtectedEntry* entry;
  PathGlob glob;
};

const std::vector<Parsed>& parsed_entries() {
  static const std::vector<Parsed> parsed = [] {
    std::vector<Parsed> out;
    for (const auto& entry : kEntries) {
      auto glob = parse_path_glob(entry.pattern);  // throws on a typo here: tests catch it
      if (glob.text.find("**") != std::string::npos) throw std::logic_error("'**' in the list");
      out.push_back({&entry, std::move(glob)});
    }
    return out;
  }();
  return parsed;
}

// The entry as the glob meets it: where the entry has a '*' and the glob, at the same
// place (before any "**"), a plain name, the name is shown: "/usr (a top-level
// directory)" rather than "/*".
std::string describe(const Parsed& entry, const std::vector<GlobComponent>& glob) {
  std::string out;
  bool aligned = true;
  for (std::size_t i = 0; i < entry.glob.components.size(); ++i) {
    const auto& e = entry.glob.components[i];
    aligned = aligned && i < glob.size() && glob[i].type != Type::any_depth;
    if (e.type == Type::home) {
      out += "~";
    } else if (e.type == Type::pattern && aligned && glob[i].type == Type::literal) {
      out += "/" + glob[i].text;
    } else {
      out += "/" + e.text;
    }
  }
  if (out.empty()) out = "/";
  if (!entry.entry->note.empty()) out += " (" + std::string(entry.entry->note) + ")";
  return out;
}

// How well an entry fits the glob's shape: positions where both have a plain name or
// both a wildcard. Among entries of one size, the best fit is the one named.
std::size_t fit(const Parsed& entry, const std::vector<GlobComponent>& glob) {
  std::size_t score = 0;
  for (std::size_t i = 0; i < entry.glob.components.size() && i < glob.size(); ++i) {
    if (glob[i].type == Type::any_depth) break;
    bool glob_plain = glob[i].type != Type::pattern;
    bool entry_plain = entry.glob.components[i].type != Type::pattern;
    score += glob_plain == entry_plain ? 1 : 0;
  }
  return score;
}

// Could one glob component and one entry component name the same thing? Where two
// wildcards meet, yes: that is the conservative answer.
bool could_meet(const GlobComponent& g, const GlobComponent& e) {
  if (g.type == Type::home || e.type == Type::home) return g.type == e.type;
  if (g.type == Type::literal && e.type == Type::literal) return g.text == e.text;
  if (g.type == Type::literal) return match_component(e.text, g.text);
  if (e.type == Type::literal) return match_component(g.text, e.text);
  return true;
}

bool could_match(const std::vector<GlobComponent>& glob, const PathGlob& entry) {
  return match_sequence(glob, entry.components.size(), [&](std::size_t i, std::size_t j) {
    return could_meet(glob[i], entry.components[j]);
  });
}

// The entry to name when the glob could match several: the shortest, then the best fit.
const Parsed* first_overlap(const std::vector<GlobComponent>& glob) {
  const Parsed* best = nullptr;
  for (const auto& p : parsed_entries()) {
    if (best) {
      auto size = p.glob.components.size(), best_size = best->glob.components.size();
      if (size > best_size || (size == best_size && fit(p, glob) <= fit(*best, glob))) continue;
    }
    if (could_match(glob, p.glob)) best = &p;
  }
  return best;
}

}  // namespace

std::span<const ProtectedEntry> protected_entries() {
  return kEntries;
}

std::string removal_glob_problem(const PathGlob& glob) {
  if (const auto* entry = first_overlap(glob.components)) {
    return "could match the protected path " + describe(*entry, glob.components);
  }
  // The last real component matches nearly anything: look at the directory it lists.
  auto last = glob.components.size();
  while (last > 0 && glob.components[last - 1].type == Type::any_depth)
    --last;
  if (last == 0) return {};
  const auto& final = glob.components[last - 1];
  if (final.type != Type::pattern || !is_broad_pattern(final.text)) return {};
  std::vector<GlobComponent> parent(glob.components.begin(), glob.components.begin() + last - 1);
  if (const auto* entry = first_overlap(parent)) {
    return "could match everything in the protected directory " + describe(*entry, parent);
  }
  return {};
}

bool is_protected_path(std::string_view path, std::span<const std::string> homes) {
  auto names = split_path(path);
  if (!names) return true;
  for (const auto& home : homes) {
    if (home == path) return true;
  }
  for (const auto& p : parsed_entries()) {
    if (!p.glob.from_home() && match_path(p.glob, path)) return true;
  }
  return false;
}

bool is_usable_home(std::string_view home) {
  auto names = split_path(home);
  if (!names || names->empty()) return false;
  bool usual = false, system = false;  // /root is both a home and a top-level directory
  for (const auto& p : parsed_entries()) {
    if (p.glob.from_home() || !match_path(p.glob, home)) continue;
    (p.entry->home ? usual : system) = true;
  }
  return usual || !system;
}

}  // namespace excise
