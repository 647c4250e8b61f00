// Fuzzes the index.json reader verify-package runs on hostile packages.
// Invariants: no crash (deep nesting included); an accepted index formats to
// JSON that parses back and formats to the same bytes, and gives a README.txt
// (which verify-package regenerates from it) the same way twice.
#include <cstdlib>
#include <string_view>

#include "evidence/package.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto index = package::ParseIndex(text);
  if (!index.ok()) return 0;
  const std::string once = package::FormatIndex(*index);
  auto back = package::ParseIndex(once);
  if (!back.ok() || package::FormatIndex(*back) != once) std::abort();
  if (index->format >= package::kFirstFormatWithReadme &&
      package::ReadmeText(*index) != package::ReadmeText(*back))
    std::abort();
  return 0;
}
