#include "playbook/catalogue.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace excise {
namespace {

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool names_a_file(const std::string& arg) {
  struct stat st;
  if (stat(arg.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return true;
  return arg.find('/') != std::string::npos ||
         (arg.size() >= 5 && arg.compare(arg.size() - 5, 5, ".toml") == 0);
}

std::vector<std::string> toml_names(const std::string& dir, Diagnostics& diags) {
  std::vector<std::string> names;
  DIR* stream = opendir(dir.c_str());
  if (!stream) {
    if (errno != ENOENT) diags.error({dir}, std::string("cannot list: ") + std::strerror(errno));
    return names;
  }
  while (const dirent* entry = readdir(stream)) {
    std::string name = entry->d_name;
    if (name[0] == '.' || name.size() <= 5 || name.compare(name.size() - 5, 5, ".toml") != 0) {
      continue;
    }
    names.push_back(std::move(name));
  }
  closedir(stream);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<CatalogueDir> default_catalogue_dirs() {
  std::vector<CatalogueDir> dirs;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string installed;
  if (n > 0) {
    std::string path(exe, static_cast<std::size_t>(n));
    auto bin = path.substr(0, path.rfind('/'));
    installed = bin.substr(0, bin.rfind('/')) + "/share/excise/playbooks";
  }
  dirs.push_back(
      {is_dir(installed) ? installed : std::string(EXCISE_SOURCE_CATALOGUE), Origin::shipped});
  dirs.push_back({std::string(kLocalCatalogueDir), Origin::local});
  return dirs;
}

std::vector<PlaybookSource> list_catalogue(const std::vector<CatalogueDir>& dirs,
                                           Diagnostics& diags) {
  std::vector<PlaybookSource> sources;
  for (const auto& dir : dirs) {
    for (const auto& name : toml_names(dir.path, diags)) {
      std::string path = dir.path;
      if (path.empty() || path.back() != '/') path += '/';
      sources.push_back({path + name, dir.origin});
    }
  }
  return sources;
}

Selection load_catalogue(const std::vector<CatalogueDir>& dirs, Diagnostics& diags) {
  std::vector<PlaybookSource> shipped, local;
  for (auto& source : list_catalogue(dirs, diags)) {
    (source.origin == Origin::local ? local : shipped).push_back(std::move(source));
  }
  std::map<std::string, Playbook> by_id;
  for (auto& playbook : load_playbooks(shipped, diags)) {
    std::string id = playbook.product.id;
    by_id.emplace(id, std::move(playbook));
  }
  Selection selection;
  for (auto& playbook : load_playbooks(local, diags)) {
    auto it = by_id.find(playbook.product.id);
    if (it != by_id.end()) {
      selection.replaced.push_back({playbook.product.id, it->second.path, playbook.path});
      it->second = std::move(playbook);
    } else {
      std::string id = playbook.product.id;
      by_id.emplace(id, std::move(playbook));
    }
  }
  for (auto& [id, playbook] : by_id)
    selection.playbooks.push_back(std::move(playbook));
  return selection;
}

Selection select_playbooks(const std::vector<std::string>& args,
                           const std::vector<CatalogueDir>& dirs, Diagnostics& diags) {
  bool wants_catalogue = args.empty();
  std::vector<PlaybookSource> files;
  for (const auto& arg : args) {
    if (names_a_file(arg)) {
      files.push_back({arg, Origin::given});
    } else {
      wants_catalogue = true;
    }
  }
  Selection catalogue;
  const std::size_t errors_before = diags.size();
  if (wants_catalogue) catalogue = load_catalogue(dirs, diags);
  // An id may be missing only because its file has errors: say so rather than mislead.
  const std::string hint =
      diags.size() != errors_before ? " (some catalogue files have errors)" : "";
  if (args.empty()) return catalogue;

  std::vector<Playbook> given = load_playbooks(files, diags);
  Selection selection;
  selection.replaced = catalogue.replaced;
  auto add = [&](const Playbook& playbook) {
    for (const auto& chosen : selection.playbooks) {
      if (chosen.product.id != playbook.product.id) continue;
      if (chosen.path != playbook.path) {
        diags.error(playbook.product.loc, "[product]: product id '" + playbook.product.id +
                                              "' is already used by " + chosen.product.loc.str());
      }
      return;
    }
    selection.playbooks.push_back(playbook);
  };
  for (const auto& arg : args) {
    const auto& pool = names_a_file(arg) ? given : catalogue.playbooks;
    auto match = [&](const Playbook& p) {
      return names_a_file(arg) ? p.path == arg : p.product.id == arg;
    };
    auto it = std::find_if(pool.begin(), pool.end(), match);
    if (it != pool.end()) {
      add(*it);
    } else if (!names_a_file(arg)) {
      diags.error({"command line"},
                  "no playbook in the catalogue has product id '" + arg + "'" + hint);
    }
  }
  return selection;
}

}  // namespace excise
