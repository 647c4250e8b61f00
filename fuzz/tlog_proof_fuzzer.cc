// Fuzzes the C2SP tlog-proof parser. Invariants: no crash; an accepted proof
// formats back to exactly its text; verifying its hashes never crashes.
#include <cstdlib>
#include <string_view>

#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = ParseTlogProof(text);
  if (!p.ok()) return 0;
  if (FormatTlogProof(*p) != text) std::abort();
  Hash32 leaf{}, root{};
  (void)VerifyInclusion(p->index, p->index + 1 + p->hashes.size(), leaf, p->hashes, root);
  return 0;
}
