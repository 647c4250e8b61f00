// Fuzzes Custody's consistency-proof parser. Invariants: no crash; an
// accepted proof formats back to exactly its text; verifying it never crashes.
#include <cstdlib>
#include <string_view>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = ParseConsistencyProof(text);
  if (!p.ok()) return 0;
  if (FormatConsistencyProof(*p) != text) std::abort();
  Hash32 a{}, b{};
  (void)VerifyConsistency(p->old_size, p->old_size + p->hashes.size(), p->hashes, a, b);
  return 0;
}
