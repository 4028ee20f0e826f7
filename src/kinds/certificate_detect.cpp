// [[certificate]] detection in Debian's ca-certificates layout. A certificate is trusted
// through its anchor file (/usr/local/share/ca-certificates/**: added by an admin or a
// vendor; /usr/share/ca-certificates/**: packaged, switched on by a line of
// /etc/ca-certificates.conf), the links /etc/ssl/certs holds to it (NAME.pem -> anchor,
// HASH.N -> NAME.pem), a PEM file put straight into /etc/ssl/certs, and its copy inside
// the bundle /etc/ssl/certs/ca-certificates.crt. Every entry of those places is followed
// to the regular file it leads to, and that file decides for all its names:
//   - none of its certificates matches the subject glob: nothing;
//   - some but not all match: blocked (removing the file would take innocent ones along);
//   - a package no playbook names owns it: a conflict, and the certificate is kept whole
//     (file, links, conf line, bundle copy): a typo in a glob must not distrust a root
//     that ca-certificates ships;
//   - a named package owns it: dpkg removes the file; its links and conf line go here;
//   - otherwise it goes to quarantine (path.quarantine), with every link to it.
// Enabled conf lines ("dir/name.crt") of the removed packaged anchors go (line.remove
// with an exact regex); disabled ones ("!dir/name.crt") stay: they only ever distrust.
// One certificate.rebuild step (refresh) then regenerates the bundle and hash links.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "excise/bytes.hpp"
#include "kinds/certificate.hpp"
#include "kinds/certificate_rebuild.hpp"
#include "kinds/glob_expand.hpp"
#include "kinds/path_rules.hpp"
#include "plan/detect_context.hpp"
#include "system/certificates.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

using namespace trust_store;

constexpr std::size_t kMaxCertificateFile = 16u << 20;

enum class Verdict { none, remove, dpkg_removes, kept, blocked };

// A regular file holding certificates, as all the names leading to it share it.
struct Holder {
  Verdict verdict = Verdict::none;
  std::vector<sys::Certificate> matching;
};

std::string regex_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string subjects(const std::vector<sys::Certificate>& certs) {
  std::string out;
  for (const auto& c : certs)
    out += (out.empty() ? "" : "; ") + c.subject;
  return out;
}

std::string names(const std::vector<std::string>& packages) {
  std::string out;
  for (const auto& p : packages)
    out += (out.empty() ? "" : ", ") + p;
  return out;
}

class CertificateDetector {
 public:
  CertificateDetector(DetectContext& context, const Located<std::string>& subject)
      : context_(context), subject_(subject), rules_(context) {}

  void run() {
    for (const char* dir : {kLocalDir, kPackagedDir})
      scan(std::string(dir) + "/**/*", dir);
    scan(std::string(kCertsDir) + "/*", kCertsDir);
    conf_lines();
    bundle();
    other_stores_note();
    if (!removed_.empty() || proposed_any_) propose_rebuild();
  }

 private:
  void scan(const std::string& pattern, const std::string& dir) {
    const GlobExpansion expansion = expand_glob(context_.root(), parse_path_glob(pattern));
    for (const auto& [path, why] : expansion.unsafe)
      context_.block(path, "unsafe path: " + why, subject_.loc);
    for (const auto& m : expansion.matches) {
      if (m.resolved.stat->is_dir() || m.path == kBundle) continue;
      entry(m, dir);
    }
  }

  // One name of the trust store: a file, or a link leading to one.
  void entry(const GlobMatch& m, const std::string& dir) {
    std::optional<sys::Resolved> final;
    try {
      final = context_.root().resolve_followed(m.path);
    } catch (const sys::UnsafePath& e) {
      context_.block(m.path, std::string("unsafe path: ") + e.what(), subject_.loc);
      return;
    }
    if (!final || !final->stat || !final->stat->is_regular()) return;  // dangling, or no file
    if (final->real_path == kBundle) return;  // another name of the bundle (ca-bundle.crt)
    const Holder& holder = classify(*final);
    if (holder.verdict == Verdict::none || holder.verdict == Verdict::kept ||
        holder.verdict == Verdict::blocked)
      return;
    const bool is_link = m.resolved.stat->is_symlink();
    if (is_link) {
      const std::string real = m.resolved.real_path.empty() ? m.path : m.resolved.real_path;
      if (rules_.is_protected(m.path) || rules_.is_protected(real)) {
        context_.block(m.path, "a protected path: never removed", subject_.loc);
        return;
      }
      const Owners owners = rules_.owners(m.path, real);
      if (!owners.foreign.empty()) {
        context_.conflict(m.path,
                          "link to a matching certificate, owned by package " +
                              names(owners.foreign) + ", which no playbook names: kept",
                          subject_.loc);
        return;
      }
      if (owners.named.empty()) propose_quarantine(m, "link to " + shown(final->real_path), holder);
    } else if (holder.verdict == Verdict::remove) {
      propose_quarantine(m, "certificate file", holder);
    }
    if (dir == kPackagedDir) packaged_.insert(m.path.substr(dir.size() + 1));
  }

  const Holder& classify(const sys::Resolved& file) {
    const std::string& real = file.real_path;
    if (const auto it = holders_.find(real); it != holders_.end()) return it->second;
    Holder& holder = holders_[real];
    if (static_cast<std::size_t>(file.stat->size) > kMaxCertificateFile) return holder;
    const sys::CertificateFile parsed =
        sys::read_certificates(file.parent.read_at(file.name, kMaxCertificateFile));
    for (const auto& c : parsed.certificates) {
      if (certificate_matches(subject_.value, c)) holder.matching.push_back(c);
    }
    if (holder.matching.empty()) return holder;
    const std::size_t total = parsed.certificates.size() + parsed.unreadable;
    const Owners owners = rules_.owners(real, real);
    if (holder.matching.size() < total) {
      holder.verdict = Verdict::blocked;
      context_.block(
          real,
          fmt::format("holds {} certificates and only {} match \"{}\" ({}): not "
                      "removed as a whole; split it by hand",
                      total, holder.matching.size(), subject_.value, subjects(holder.matching)),
          subject_.loc);
    } else if (!owners.foreign.empty()) {
      holder.verdict = Verdict::kept;
      context_.conflict(real,
                        fmt::format("certificate {} is owned by package {}, which no playbook "
                                    "names: kept, and still trusted",
                                    shown(subjects(holder.matching)), names(owners.foreign)),
                        subject_.loc);
    } else if (rules_.is_protected(real)) {
      holder.verdict = Verdict::blocked;
      context_.block(real, "a protected path: never removed", subject_.loc);
    } else {
      holder.verdict = owners.named.empty() ? Verdict::remove : Verdict::dpkg_removes;
    }
    if (holder.verdict == Verdict::remove || holder.verdict == Verdict::dpkg_removes) {
      for (const auto& c : holder.matching)
        removed_.emplace(c.sha256, c.subject);
    } else {
      for (const auto& c : holder.matching)
        kept_.insert(c.sha256);
    }
    return holder;
  }

  void propose_quarantine(const GlobMatch& m, const std::string& what, const Holder& holder) {
    const sys::Stat& st = *m.resolved.stat;
    Step step;
    step.phase = Phase::cleanup;
    step.action = "path.quarantine";
    step.target = m.path;
    step.reason = fmt::format("{}: {}, matching \"{}\"", what, shown(subjects(holder.matching)),
                              subject_.value);
    step.origin = context_.origin(subject_.loc);
    step.params = {{"path", encode_bytes(m.path)},
                   {"dev", st.dev},
                   {"ino", st.ino},
                   {"type", std::string(sys::file_type_name(st.type()))}};
    context_.fact("path " + m.path, path_fact(st));
    const auto depth = static_cast<std::int64_t>(std::count(m.path.begin(), m.path.end(), '/'));
    context_.propose(std::move(step), {1, -depth, "", {}});
    proposed_any_ = true;
  }

  // The enabled lines naming packaged anchors that go; the exact lines, nothing like them.
  void conf_lines() {
    if (packaged_.empty()) return;
    std::optional<sys::Resolved> conf;
    try {
      conf = context_.root().resolve(kConf);
    } catch (const sys::UnsafePath& e) {
      context_.block(kConf, std::string("unsafe path: ") + e.what(), subject_.loc);
      return;
    }
    if (!conf || !conf->stat) return;
    if (!conf->stat->is_regular()) {
      context_.block(kConf, "not a regular file: its lines are not edited", subject_.loc);
      return;
    }
    const std::string text = conf->parent.read_at(conf->name, kMaxCertificateFile);
    std::vector<std::string> lines;
    std::string_view rest(text);
    while (!rest.empty()) {
      std::string_view line = rest.substr(0, rest.find('\n'));
      rest.remove_prefix(std::min(rest.size(), line.size() + 1));
      // update-ca-certificates reads each line with `read`: outer blanks do not count.
      std::string_view name = line;
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t' || name.back() == '\r'))
        name.remove_suffix(1);
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t'))
        name.remove_prefix(1);
      if (packaged_.count(std::string(name))) lines.emplace_back(line);
    }
    if (lines.empty()) return;
    std::string alternatives;
    for (const auto& l : lines)
      alternatives += (alternatives.empty() ? "" : "|") + regex_escape(l);
    const std::string regex = "^(?:" + alternatives + ")$";
    Step step;
    step.phase = Phase::cleanup;
    step.action = "line.remove";
    step.target = kConf;
    step.reason = fmt::format("{} line(s) enable the removed certificate file(s): {}", lines.size(),
                              shown(lines.front()));
    step.origin = context_.origin(subject_.loc);
    step.params = {{"path", encode_bytes(kConf)}, {"match", regex}};
    context_.fact(std::string("lines of ") + kConf + " matching /" + regex + "/",
                  "sha256 " + sha256_hex(text).substr(0, 16));
    context_.propose(std::move(step), {0, 0, "", {}});
    proposed_any_ = true;
  }

  // Copies in the bundle: those of kept anchors stay; any other match goes with the rebuild,
  // also when its anchor is gone already (a bundle not rebuilt since).
  void bundle() {
    std::optional<sys::Resolved> r;
    try {
      r = context_.root().resolve(kBundle);
    } catch (const sys::UnsafePath& e) {
      context_.block(kBundle, std::string("unsafe path: ") + e.what(), subject_.loc);
      return;
    }
    if (!r || !r->stat) return;
    if (!r->stat->is_regular()) {
      context_.note(std::string(kBundle) + " is not a regular file: not inspected", subject_.loc);
      return;
    }
    if (static_cast<std::size_t>(r->stat->size) > kMaxCertificateFile) {
      context_.note(std::string(kBundle) + " is larger than 16 MiB: not inspected", subject_.loc);
      return;
    }
    const std::string text = r->parent.read_at(r->name, kMaxCertificateFile);
    std::size_t in_bundle = 0;
    for (const auto& c : sys::read_certificates(text).certificates) {
      if (!certificate_matches(subject_.value, c) || kept_.count(c.sha256)) continue;
      removed_.emplace(c.sha256, c.subject);
      ++in_bundle;
    }
    if (in_bundle > 0 || !removed_.empty())
      context_.fact(std::string("certificate bundle ") + kBundle,
                    "sha256 " + sha256_hex(text).substr(0, 16));
  }

  // Trust this kind does not read: browsers' NSS databases, and the other distributions'
  // store (p11-kit's /etc/pki/ca-trust). Said once per plan.
  void other_stores_note() {
    std::vector<std::pair<std::string, std::string>> stores = {
        {"/etc/pki/nssdb", "NSS database"}, {"/etc/pki/ca-trust", "Red Hat style trust store"}};
    for (const auto& home : context_.homes())
      stores.emplace_back(join_path(home, ".pki/nssdb"), "NSS database");
    for (const auto& [path, what] : stores) {
      std::optional<sys::Stat> st;
      try {
        st = context_.root().lstat(path);
      } catch (const Error&) {
        continue;
      }
      if (!st) continue;
      const std::string text = what + " " + shown(path) +
                               " exists: not inspected (certificates there are not looked for)";
      bool seen = false;
      for (const auto& n : context_.findings().notes)
        seen = seen || n.text == text;
      if (!seen) context_.note(text, subject_.loc);
    }
  }

  void propose_rebuild() {
    const RebuildMethod method = choose_rebuild(context_.root(), context_.target());
    json remove = json::array();
    for (const auto& [sha, subject] : removed_)
      remove.push_back({{"sha256", sha}, {"subject", encode_bytes(subject)}});
    Step step;
    step.phase = Phase::refresh;
    step.action = "certificate.rebuild";
    step.target = kCertsDir;
    step.origin = context_.origin(subject_.loc);
    step.params = {{"method", method.name}, {"why", method.why}, {"remove", remove}};
    context_.fact("certificate rebuild", method.name);
    context_.propose(std::move(step), {0, 0, "", {}});
  }

  DetectContext& context_;
  const Located<std::string>& subject_;
  PathRules rules_;
  std::map<std::string, Holder> holders_;       // by real path
  std::map<std::string, std::string> removed_;  // sha256 -> subject: leave the store
  std::set<std::string> kept_;                  // sha256 of kept or blocked ones
  std::set<std::string> packaged_;              // conf names of removed packaged anchors
  bool proposed_any_ = false;
};

}  // namespace

void CertificateKind::detect(const Playbook&, const Artifact& artifact,
                             DetectContext& context) const {
  const auto& spec = static_cast<const CertificateSpec&>(*artifact.spec);
  CertificateDetector(context, spec.subject).run();
}

namespace {

std::vector<std::string> hooks(const sys::SafeRoot& root) {
  std::vector<std::string> out;
  try {
    if (const auto dir = root.open_dir(kHooksDir)) {
      for (const auto& e : dir->entries())
        out.push_back(e.name);
    }
  } catch (const Error&) {
  }
  return out;
}

std::string rebuild_reason(const json& remove, const std::string& method, const std::string& why) {
  std::string list;
  std::size_t n = 0;
  for (const auto& c : remove) {
    if (++n > 3) break;
    list += (list.empty() ? "" : "; ") + shown(decode_bytes(c.at("subject").get<std::string>()));
  }
  if (remove.size() > 3) list += fmt::format("; and {} more", remove.size() - 3);
  const std::string what =
      remove.empty()
          ? std::string("the trust store is regenerated without the removed anchors")
          : fmt::format("{} certificate(s) leave the trust store ({})", remove.size(), list);
  if (method == "update-ca-certificates")
    return what + ": update-ca-certificates --fresh regenerates the bundle and the hash links";
  if (method == "chroot")
    return what +
           ": update-ca-certificates --fresh, chrooted into the root in its own namespaces "
           "(its hooks run inside the root), regenerates the bundle and the hash links";
  return what + ": excise rewrites the bundle without their PEM blocks (" + why +
         "); their links go in cleanup";
}

}  // namespace

// One rebuild for the whole plan: the proposals of every [[certificate]] become the first
// one, which lists every certificate that leaves.
void CertificateKind::finish(DetectContext& context) const {
  auto& proposed = context.proposed();
  std::vector<ProposedStep> out;
  std::optional<std::size_t> first;
  std::map<std::string, json> remove;
  for (auto& p : proposed) {
    if (p.step.action != "certificate.rebuild") {
      out.push_back(std::move(p));
      continue;
    }
    for (const auto& c : p.step.params.at("remove"))
      remove.emplace(c.at("sha256").get<std::string>(), c);
    if (!first) {
      first = out.size();
      out.push_back(std::move(p));
    }
  }
  proposed = std::move(out);
  if (!first) return;
  Step& step = proposed[*first].step;
  std::vector<json> sorted;  // by subject, for people
  for (auto& [sha, c] : remove)
    sorted.push_back(std::move(c));
  std::stable_sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
    return a.at("subject").get<std::string>() < b.at("subject").get<std::string>();
  });
  json list = sorted;
  step.params["remove"] = list;
  const std::string method = step.params.at("method");
  step.reason = rebuild_reason(list, method, step.params.at("why"));
  std::string names;
  for (const auto& h : hooks(context.root()))
    names += (names.empty() ? "" : ", ") + shown(h);
  if (names.empty()) return;
  const std::string text =
      method == "native"
          ? fmt::format(
                "hooks in {} ({}) do not run with a native rebuild: the stores they "
                "keep (Java's keystore, say) may still hold the certificates",
                kHooksDir, names)
          : fmt::format(
                "hooks in {} ({}) run with the rebuild: what they change outside {} is "
                "not put back by rollback",
                kHooksDir, names, kCertsDir);
  context.findings().notes.push_back({text, step.origin});
}

}  // namespace excise
