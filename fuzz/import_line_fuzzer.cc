// Fuzzes the parser of `custody import` lines. Invariant: no crash; an
// accepted line carries a known payload with non-empty text.
#include <cstdlib>
#include <string_view>

#include "ledger/import.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto d = ParseImportLine(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!d.ok()) return 0;
  if (auto* note = std::get_if<NotePayload>(&d->payload); note && note->text.empty()) std::abort();
  return 0;
}
