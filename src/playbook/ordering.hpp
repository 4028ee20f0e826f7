// Checks across the artifacts of one playbook: ids unique, every `after` naming another
// artifact of the playbook, and no ordering cycle.
#pragma once

#include <string>
#include <vector>

#include "excise/diagnostics.hpp"
#include "excise/playbook.hpp"

namespace excise {

// An artifact as read, with what the messages about it need.
struct ArtifactDraft {
  Artifact artifact;
  std::string section;  // "[[path]] #2"
  SourceLoc id_loc;     // when id_given
  bool after_complete;  // every `after` item was read (so artifact.after[i] is item i)
};

void check_ordering(const std::vector<ArtifactDraft>& drafts, Diagnostics& diags);

}  // namespace excise
