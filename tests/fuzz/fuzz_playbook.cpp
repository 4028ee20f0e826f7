// libFuzzer target over the whole playbook loader: TOML guard, toml++, schema, kinds,
// globs, protected paths, regexes, ordering (SAFETY.md S24). Build and run it with
// scripts/fuzz.sh (or ctest -L fuzz in build-fuzz); every input must give playbooks or diagnostics,
// never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "excise/playbook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  excise::Diagnostics diags;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto playbooks = excise::load_playbook_text(text, {"fuzz.toml", excise::Origin::given}, diags);
  // Exactly one of the two: a clean playbook, or at least one message.
  if (playbooks.empty() == diags.empty()) __builtin_trap();
  return 0;
}
