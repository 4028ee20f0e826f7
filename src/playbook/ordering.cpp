#include "playbook/ordering.hpp"

#include <map>

#include "playbook/field_reader.hpp"

namespace excise {
namespace {

struct Edge {
  std::size_t to;
  std::size_t item;  // index in the `after` list, for the message's location
};

void after_error(const ArtifactDraft& draft, std::size_t item, const std::string& problem,
                 Diagnostics& diags) {
  diags.error(draft.artifact.after[item].loc,
              draft.section + ": key 'after' item " + std::to_string(item + 1) + ": " + problem);
}

// Depth-first search without recursion (a chain of 10,000 `after` must not overflow the
// stack). Each back edge closes one cycle, reported once, at the `after` item that starts
// it: "ordering cycle: a -> b -> a".
void report_cycles(const std::vector<ArtifactDraft>& drafts,
                   const std::vector<std::vector<Edge>>& edges, Diagnostics& diags) {
  enum Color : int { white, grey, black };
  std::vector<int> color(drafts.size(), white);
  struct Frame {
    std::size_t node;
    std::size_t next = 0;  // the edge being followed
  };
  for (std::size_t start = 0; start < drafts.size(); ++start) {
    if (color[start] != white) continue;
    std::vector<Frame> stack;
    stack.push_back({start});
    color[start] = grey;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == edges[top.node].size()) {
        color[top.node] = black;
        stack.pop_back();
        if (!stack.empty()) ++stack.back().next;
        continue;
      }
      const Edge& edge = edges[top.node][top.next];
      if (color[edge.to] == white) {
        color[edge.to] = grey;
        stack.push_back({edge.to});
        continue;
      }
      if (color[edge.to] == grey) {
        std::size_t first = 0;
        while (stack[first].node != edge.to)
          ++first;
        std::string path;
        for (std::size_t k = first; k < stack.size(); ++k) {
          path += drafts[stack[k].node].artifact.id + " -> ";
        }
        path += drafts[edge.to].artifact.id;
        const Frame& opening = stack[first];
        after_error(drafts[opening.node], edges[opening.node][opening.next].item,
                    "ordering cycle: " + path, diags);
      }
      ++top.next;
    }
  }
}

}  // namespace

void check_ordering(const std::vector<ArtifactDraft>& drafts, Diagnostics& diags) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    const auto& draft = drafts[i];
    auto [it, fresh] = index.emplace(draft.artifact.id, i);
    if (!fresh && draft.artifact.id_given) {
      const auto& first = drafts[it->second];
      diags.error(draft.id_loc, draft.section + ": key 'id': " + quoted(draft.artifact.id) +
                                    ": already the id of " + first.section + " at line " +
                                    std::to_string(first.id_loc.line));
    }
  }
  std::vector<std::vector<Edge>> edges(drafts.size());
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    const auto& draft = drafts[i];
    if (!draft.after_complete) continue;
    for (std::size_t k = 0; k < draft.artifact.after.size(); ++k) {
      const std::string& name = draft.artifact.after[k].value;
      auto it = index.find(name);
      if (it == index.end()) {
        after_error(draft, k, quoted(name) + ": no artifact has this id", diags);
      } else if (name == draft.artifact.id) {
        after_error(draft, k, quoted(name) + ": an artifact cannot come after itself", diags);
      } else {
        edges[i].push_back({it->second, k});
      }
    }
  }
  report_cycles(drafts, edges, diags);
}

}  // namespace excise
