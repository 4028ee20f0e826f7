#include <sys/stat.h>

#include "system/tree.hpp"
#include "system/tree_walker.hpp"

namespace excise::sys {

TreeSummary walk_tree(const Dir& parent, std::string_view name,
                      const std::function<bool(const TreeEntry&)>& visit) {
  TreeSummary summary;
  TreeWalker walker(parent, name);
  TreeEntry entry;
  while (walker.next()) {
    if (walker.event() == TreeWalker::Event::leave) continue;
    // Keep entry.path in step with the walker's by replacing only what follows the shared
    // directory prefix: O(name) per entry, where copying the whole path would make a
    // 100,000-level walk quadratic.
    // (The parent of each entry is the previous entry or one of its ancestors.)
    const std::string& path = walker.path();
    if (summary.entries == 0) {
      entry.path = path;
    } else {
      entry.path.resize(walker.dir_len());
      entry.path.append(path, walker.dir_len(), std::string::npos);
    }
    entry.stat = walker.stat();
    entry.depth = walker.depth();

    ++summary.entries;
    if (entry.stat.is_regular()) summary.bytes += static_cast<std::uint64_t>(entry.stat.size);
    if (walker.mount_point()) summary.mount_points.push_back(entry.path);
    const bool setid = entry.stat.permissions() & (S_ISUID | S_ISGID);
    if (entry.stat.is_regular() && setid && entry.stat.nlink > 1) {
      summary.setid_hardlinks.push_back(entry.path);
    }
    if (!visit(entry) && walker.event() == TreeWalker::Event::enter) walker.skip();
  }
  return summary;
}

}  // namespace excise::sys
