// Fuzzes the bech32 / NIP-19 decoders. Invariant: whatever decodes encodes
// back to the same string, lowercased.
#include <cstdlib>
#include <string>

#include "ledger/base/encoding.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  auto d = DecodeBech32(s);
  if (d.ok()) {
    std::string lower = s;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (EncodeBech32(d->hrp, d->data) != lower) std::abort();
  }
  auto npub = DecodeNpub(s);
  if (npub.ok() && DecodeNpub(EncodeNpub(*npub)).value() != *npub) std::abort();
  (void)DecodeNsec(s);
  return 0;
}
