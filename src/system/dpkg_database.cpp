#include "system/dpkg_database.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

bool path_less(const DpkgOwner& a, const DpkgOwner& b) {
  return a.path != b.path ? a.path < b.path : a.package < b.package;
}

}  // namespace

DpkgDatabase DpkgDatabase::load(std::string_view status_text, const DpkgFileReader& read,
                                std::string_view native_arch) {
  DpkgDatabase db;
  db.stanzas_ = parse_stanzas(status_text, "dpkg status");
  db.packages_.reserve(db.stanzas_.size());
  for (const auto& stanza : db.stanzas_) {
    db.packages_.push_back(package_from_stanza(stanza, "dpkg status"));
  }
  db.native_arch_ = std::string(native_arch);
  for (std::uint32_t i = 0; i < db.packages_.size(); ++i) {
    const DpkgPackage& p = db.packages_[i];
    db.by_name_[p.name].push_back(i);
    for (const auto& group : p.provides) {
      for (const auto& provided : group.alternatives)
        db.providers_[provided.name].push_back(i);
    }
    if (db.native_arch_.empty() && p.name == "dpkg" && p.present()) db.native_arch_ = p.arch;
  }

  // dpkg journals each change as updates/NNNN, numbered from 0000, until it rewrites the
  // status (dbmodify.c); leftovers mean a run was interrupted.
  while (db.pending_updates_ < 10000 &&
         read(fmt::format("updates/{:04d}", db.pending_updates_)).has_value()) {
    ++db.pending_updates_;
  }
  if (db.pending_updates_ > 0) {
    db.problems_.push_back(fmt::format(
        "dpkg has {} unapplied record(s) in updates/ from an interrupted run: the status file "
        "is not current (dpkg --configure -a, or any dpkg command, folds them in)",
        db.pending_updates_));
  }

  const InfoFormat format = parse_info_format(read("info/format").value_or(""));
  if (auto text = read("diversions")) db.diversions_ = parse_diversions(*text, "dpkg diversions");
  for (std::size_t d = 0; d < db.diversions_.size(); ++d) {
    db.diverted_from_[db.diversions_[d].from] = d;
    db.diverted_to_[db.diversions_[d].to] = d;
  }

  for (std::uint32_t i = 0; i < db.packages_.size(); ++i) {
    const DpkgPackage& p = db.packages_[i];
    if (!p.present()) continue;
    const std::string list_name = "info/" + info_file_name(p, "list", format);
    const auto list = read(list_name);
    if (!list) {
      // dpkg says the same and carries on: such a package owns no files.
      if (p.status.state != DpkgState::config_files) {
        db.problems_.push_back(fmt::format("package {} ({}): {} is missing; it owns no files",
                                           shown(p.display_name()), state_name(p.status.state),
                                           shown(list_name)));
      }
      continue;
    }
    for (std::string& path : parse_list_file(*list)) {
      // A file diverted by another package (or locally) is on disk at the divert target;
      // the diverting package's own copy stays at the original path.
      const auto d = db.diverted_from_.find(path);
      if (d != db.diverted_from_.end() && db.diversions_[d->second].package != p.name) {
        path = db.diversions_[d->second].to;
      }
      db.files_.push_back({std::move(path), i});
    }
  }
  std::sort(db.files_.begin(), db.files_.end(), path_less);
  return db;
}

std::vector<std::uint32_t> DpkgDatabase::find_all(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? std::vector<std::uint32_t>{} : it->second;
}

std::optional<std::uint32_t> DpkgDatabase::find(std::string_view name,
                                                std::string_view arch) const {
  const auto all = find_all(name);
  if (!arch.empty()) {
    for (auto i : all) {
      if (packages_[i].arch == arch) return i;
    }
    return std::nullopt;
  }
  if (all.size() == 1) return all.front();
  std::vector<std::uint32_t> present;
  for (auto i : all) {
    if (packages_[i].present()) present.push_back(i);
  }
  if (present.size() == 1) return present.front();
  for (auto i : present) {
    if (packages_[i].arch == native_arch_ || packages_[i].arch == "all") return i;
  }
  return std::nullopt;
}

std::vector<std::uint32_t> DpkgDatabase::owners(std::string_view path) const {
  const std::string key = normalize_dpkg_path(path);
  auto it = std::lower_bound(files_.begin(), files_.end(), key,
                             [](const DpkgOwner& o, const std::string& k) { return o.path < k; });
  std::vector<std::uint32_t> out;
  for (; it != files_.end() && it->path == key; ++it) {
    if (out.empty() || out.back() != it->package) out.push_back(it->package);
  }
  return out;
}

std::vector<DpkgOwner> DpkgDatabase::owned_below(std::string_view dir) const {
  std::string prefix = normalize_dpkg_path(dir);
  if (prefix != "/") prefix += '/';
  auto it = std::lower_bound(files_.begin(), files_.end(), prefix,
                             [](const DpkgOwner& o, const std::string& k) { return o.path < k; });
  std::vector<DpkgOwner> out;
  for (; it != files_.end() && it->path.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (it->path.size() > prefix.size()) out.push_back(*it);
  }
  return out;
}

const DpkgDiversion* DpkgDatabase::diversion_of(std::string_view path) const {
  const auto it = diverted_from_.find(normalize_dpkg_path(path));
  return it == diverted_from_.end() ? nullptr : &diversions_[it->second];
}

const DpkgDiversion* DpkgDatabase::diversion_to(std::string_view path) const {
  const auto it = diverted_to_.find(normalize_dpkg_path(path));
  return it == diverted_to_.end() ? nullptr : &diversions_[it->second];
}

std::vector<std::uint32_t> DpkgDatabase::candidates(std::string_view name) const {
  std::vector<std::uint32_t> out = find_all(name);
  if (const auto it = providers_.find(std::string(name)); it != providers_.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

// dpkg's archsatisfied(): Multi-Arch: foreign satisfies any architecture, ":any" takes
// Multi-Arch: allowed ones, and otherwise the architectures must match, "all" counting
// as the native one. Without a qualifier the dependent's own architecture is wanted.
bool DpkgDatabase::arch_satisfies(const DpkgPackage& dependent, const DpkgRelation& relation,
                                  const DpkgPackage& candidate) const {
  if (candidate.multi_arch == MultiArch::foreign) return true;
  std::string_view wanted = relation.arch;
  if (wanted == "any") {
    if (candidate.multi_arch == MultiArch::allowed) return true;
  } else if (wanted.empty()) {
    wanted = dependent.arch;
  } else if (wanted == "native") {
    wanted = native_arch_;
  }
  auto resolve = [&](std::string_view arch) {
    return arch == "all" ? std::string_view(native_arch_) : arch;
  };
  const std::string_view have = resolve(candidate.arch);
  wanted = resolve(wanted);
  return wanted == have || wanted.empty() || have.empty();
}

bool DpkgDatabase::satisfies(const DpkgPackage& dependent, const DpkgRelation& relation,
                             const DpkgPackage& candidate) const {
  if (!candidate.unpacked()) return false;
  if (candidate.name == relation.name) {
    if (arch_satisfies(dependent, relation, candidate) &&
        (relation.op == VersionOp::none ||
         (candidate.version &&
          version_satisfies(*candidate.version, relation.op, relation.version)))) {
      return true;
    }
  }
  for (const auto& group : candidate.provides) {
    for (const auto& provided : group.alternatives) {
      if (provided.name != relation.name) continue;
      if (!arch_satisfies(dependent, relation, candidate)) continue;
      // An unversioned Provides satisfies only unversioned dependencies.
      if (relation.op == VersionOp::none ||
          (provided.op == VersionOp::eq &&
           version_satisfies(provided.version, relation.op, relation.version))) {
        return true;
      }
    }
  }
  return false;
}

std::vector<BrokenDependency> DpkgDatabase::broken_by_removing(
    const std::vector<std::uint32_t>& removed) const {
  std::vector<bool> is_removed(packages_.size(), false);
  for (auto i : removed)
    is_removed.at(i) = true;

  std::vector<BrokenDependency> out;
  for (std::uint32_t d = 0; d < packages_.size(); ++d) {
    const DpkgPackage& dependent = packages_[d];
    if (is_removed[d] || !dependent.unpacked()) continue;
    const std::pair<const char*, const std::vector<DpkgRelationGroup>*> fields[] = {
        {"Pre-Depends", &dependent.pre_depends}, {"Depends", &dependent.depends}};
    for (const auto& [field, groups] : fields) {
      for (const auto& group : *groups) {
        std::vector<std::uint32_t> hit;
        bool still_satisfied = false;
        for (const auto& relation : group.alternatives) {
          for (auto c : candidates(relation.name)) {
            if (!satisfies(dependent, relation, packages_[c])) continue;
            if (!is_removed[c]) {
              still_satisfied = true;
            } else if (std::find(hit.begin(), hit.end(), c) == hit.end()) {
              hit.push_back(c);
            }
          }
        }
        if (!hit.empty() && !still_satisfied) {
          out.push_back({d, field, group.text, std::move(hit)});
        }
      }
    }
  }
  return out;
}

}  // namespace excise::sys
