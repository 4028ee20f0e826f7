#include "system/elf.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "system/safe_root.hpp"

namespace excise::sys {

std::optional<std::uint16_t> elf_machine(std::string_view header) {
  if (header.size() < 20 || header.substr(0, 4) !=
                                "\x7f"
                                "ELF")
    return std::nullopt;
  const auto lo = static_cast<unsigned char>(header[18]);
  const auto hi = static_cast<unsigned char>(header[19]);
  switch (header[5]) {  // EI_DATA
    case 1:             // little-endian
      return static_cast<std::uint16_t>(lo | (hi << 8));
    case 2:  // big-endian
      return static_cast<std::uint16_t>((lo << 8) | hi);
    default:
      return std::nullopt;
  }
}

namespace {

std::optional<std::uint16_t> machine_of(int fd) {
  char header[20];
  const ssize_t got = ::read(fd, header, sizeof header);
  if (got != static_cast<ssize_t>(sizeof header)) return std::nullopt;
  return elf_machine(std::string_view(header, sizeof header));
}

}  // namespace

std::optional<std::uint16_t> elf_machine_at(const Dir& dir, std::string_view name) {
  const Fd file = dir.open_at(name, O_RDONLY);
  return machine_of(file.get());
}

std::optional<std::uint16_t> own_elf_machine() {
  const Fd file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!file) return std::nullopt;
  return machine_of(file.get());
}

}  // namespace excise::sys
