// Taking one package's stanza out of a status file and putting it back, byte for byte,
// for rollback: every other byte of the file stays as dpkg wrote it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace excise::sys {

struct StanzaRemoval {
  std::string text;     // the status text without the stanza
  std::string removed;  // the exact bytes taken out: the stanza and the blank line after it
  std::size_t offset = 0;
};

// Removes the stanza of `package` (and architecture `arch`, or the only one with that
// name when `arch` is empty). Throws Error(system) naming the package when there is no
// such stanza or the name alone is ambiguous.
StanzaRemoval remove_stanza(std::string_view status, std::string_view package,
                            std::string_view arch = {});

// Puts a stanza back where dpkg's writer would have put it: dpkg writes the status sorted
// by package name (strcmp), then instances whose name needs no architecture qualifier
// before those that do, which are sorted by architecture (pkg_sorter_by_nonambig_name_arch).
// `native_arch` decides which architectures are foreign; empty means "the Architecture of
// the dpkg package in this status". Throws Error(input) when the bytes are not one stanza,
// and Error(refused) when the status already has that package and architecture. Before
// another stanza, a missing blank separator line is added; at the end of the file the
// bytes go in as given (so a status that ended without a blank line comes back so).
// insert_stanza(remove_stanza(s, p).text, removed) == s for any status dpkg wrote.
std::string insert_stanza(std::string_view status, std::string_view stanza_bytes,
                          std::string_view native_arch = {});

}  // namespace excise::sys
