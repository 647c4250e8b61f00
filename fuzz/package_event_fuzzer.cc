// Fuzzes what verify-package does with a package's event file and the bag
// signature: decode the signed event (FlatBuffers Verifier first), render it
// as the package's .txt and as JSON, check its signatures; parse and check a
// bag signature note. Invariants: no crash; a decoded event re-frames to
// exactly its bytes.
#include <cstdlib>
#include <string_view>

#include "evidence/package.h"
#include "ledger/event.h"
#include "projections/render.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)package::VerifyBagSignature(std::string_view(reinterpret_cast<const char*>(data), size));
  auto ev = SignedEvent::Decode(ByteSpan(data, size));
  if (!ev.ok()) return 0;
  const Hash32 id = ev->id();
  (void)EventDetail(*ev, id);
  (void)EventToJson(*ev, id).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  (void)VerifySignatures(*ev, id);
  std::vector<Sig64> sigs;
  for (size_t i = 0; i < ev->signature_count(); ++i) sigs.push_back(ev->signature(i));
  if (FrameSignedEvent(ev->body(), sigs) != ev->bytes()) std::abort();
  return 0;
}
