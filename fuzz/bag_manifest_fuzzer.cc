// Fuzzes the BagIt manifest reader verify-package runs on hostile packages.
// Invariants: no crash; every accepted path is a safe bag path; an accepted
// manifest formats to text that parses back to the same entries.
#include <cstdlib>
#include <string_view>

#include "evidence/package.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = package::ParseManifest(text, "manifest");
  if (!m.ok()) return 0;
  for (const auto& e : *m)
    if (!package::IsSafeBagPath(e.path)) std::abort();
  auto again = package::ParseManifest(package::FormatManifest(*m), "manifest");
  if (!again.ok() || again->size() != m->size()) std::abort();
  return 0;
}
