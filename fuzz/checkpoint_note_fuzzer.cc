// Fuzzes the signed-note and checkpoint parsers. Invariants: no crash; an
// accepted checkpoint body re-encodes to exactly the text it came from.
#include <cstdlib>
#include <string_view>

#include "ledger/checkpoint.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto note = ParseSignedNote(text);
  if (note.ok()) {
    auto cp = ParseCheckpointBody(note->text);
    if (cp.ok() && EncodeCheckpointBody(*cp) != note->text) std::abort();
  }
  Hash32 key{};
  key[31] = 1;
  (void)VerifyCheckpointNote(text, key);
  (void)VerifyNostrEvent(text);
  return 0;
}
