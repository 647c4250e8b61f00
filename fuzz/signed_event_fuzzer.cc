// Fuzzes the decoder of stored and exported signed-event bytes.
// Invariants: decoding never crashes; an accepted event re-frames to exactly
// the input; its renderings (JSON included) never fail; folded into an
// incident projection, the projection's encoding decodes back to itself.
#include <cstdlib>

#include "ledger/event.h"
#include "projections/incident.h"
#include "projections/pir.h"
#include "projections/render.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto ev = SignedEvent::Decode(ByteSpan(data, size));
  if (!ev.ok()) return 0;
  std::vector<Sig64> sigs;
  for (size_t i = 0; i < ev->signature_count(); ++i) sigs.push_back(ev->signature(i));
  if (FrameSignedEvent(ev->body(), sigs) != Bytes(data, data + size)) std::abort();
  (void)VerifySignatures(*ev, ev->id());
  const Hash32 id = ev->id();
  std::string json = EventToJson(*ev, id).dump();  // throws on text that is not UTF-8
  std::string text = EventDetail(*ev, id) + EventLine(*ev);
  EventFields fields = DecodeFields(ev->event());
  if (fields.seq != ev->event().seq() || json.empty() || text.empty()) std::abort();
  IncidentState state;
  state.incident = IncidentOf(ev->event());
  ApplyEvent(ev->event(), &state);
  const std::string encoded = EncodeState(state);
  auto decoded = DecodeState(encoded);
  if (!decoded.ok() || EncodeState(*decoded) != encoded) std::abort();
  std::vector<SignedEvent> events;
  events.push_back(std::move(*ev));
  if (BuildTimelineRows(events).size() != 1) std::abort();
  return 0;
}
