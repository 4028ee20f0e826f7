// Whether a program of an offline root can run on this machine: its ELF machine
// (e_machine) against excise's own. A root of another architecture is not chrooted into.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace excise::sys {

class Dir;

// e_machine of an ELF header (the first 20 bytes or more); nullopt for anything else.
std::optional<std::uint16_t> elf_machine(std::string_view header);
// e_machine of the regular file dir/name (not followed); nullopt if it is not ELF.
std::optional<std::uint16_t> elf_machine_at(const Dir& dir, std::string_view name);
// e_machine of the running excise (/proc/self/exe); nullopt if it cannot be read.
std::optional<std::uint16_t> own_elf_machine();

}  // namespace excise::sys
