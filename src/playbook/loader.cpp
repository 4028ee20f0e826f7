// Playbook files: reading them (trust first), and the checks across files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "excise/playbook.hpp"
#include "playbook/toml_guard.hpp"
#include "playbook/trust.hpp"
#include "system/fd.hpp"

namespace excise {
namespace {

// The file's bytes, or nullopt after a diagnostic naming the file and the cause. Reads
// at most one byte past the size limit, so that /dev/zero or a huge file cannot hold us.
std::optional<std::string> read_playbook_file(const std::string& path, Diagnostics& diags) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  sys::Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    diags.error({path}, std::string("cannot read: ") + std::strerror(errno));
    return std::nullopt;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    diags.error({path}, "cannot read: not a regular file");
    return std::nullopt;
  }
  if (auto problem = trust_problem(fd.get(), path); !problem.empty()) {
    diags.error({path}, "refused: " + problem);
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (text.size() <= kMaxPlaybookBytes) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      diags.error({path}, std::string("cannot read: ") + std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// Product ids are unique in one load: every playbook of a repeated id is dropped, and
// each after the first is reported with the place of the first.
void drop_repeated_products(std::vector<Playbook>& playbooks, Diagnostics& diags) {
  std::map<std::string, const Playbook*> first;
  std::set<std::string> repeated;
  for (const auto& playbook : playbooks) {
    auto [it, fresh] = first.emplace(playbook.product.id, &playbook);
    if (fresh) continue;
    repeated.insert(playbook.product.id);
    diags.error(playbook.product.loc, "[product]: product id '" + playbook.product.id +
                                          "' is already used by " + it->second->product.loc.str());
  }
  std::erase_if(playbooks, [&](const Playbook& p) { return repeated.count(p.product.id) > 0; });
}

}  // namespace

std::string_view origin_name(Origin origin) {
  switch (origin) {
    case Origin::shipped:
      return "shipped";
    case Origin::local:
      return "local";
    case Origin::given:
      return "given";
  }
  return "unknown";
}

std::vector<Playbook> load_playbooks(const std::vector<PlaybookSource>& sources,
                                     Diagnostics& diags) {
  std::vector<Playbook> playbooks;
  std::set<std::string> seen;
  for (const auto& source : sources) {
    if (!seen.insert(source.path).second) continue;  // the same file named twice
    auto text = read_playbook_file(source.path, diags);
    if (!text) continue;
    for (auto& playbook : load_playbook_text(*text, source, diags)) {
      playbooks.push_back(std::move(playbook));
    }
  }
  drop_repeated_products(playbooks, diags);
  return playbooks;
}

}  // namespace excise
