// Fuzzes the decoder of stored incident projections (projections/incident.h):
// the bytes of the projections column family are read back at every status,
// timeline and append. Invariants: decoding never crashes; an accepted state
// re-encodes to something that decodes to the same encoding; evaluating it
// against the runbook never crashes.
#include <cstdlib>
#include <string_view>

#include "projections/incident.h"
#include "projections/status.h"

using namespace custody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto state = DecodeState(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!state.ok()) return 0;
  const std::string encoded = EncodeState(*state);
  auto again = DecodeState(encoded);
  if (!again.ok() || EncodeState(*again) != encoded) std::abort();
  const IncidentStatus st = Evaluate(*state, CurrentRunbook(), 1795168980LL * 1000000000);
  if (StatusText(st).empty() ||
      StatusJson(st).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).empty())
    std::abort();
  return 0;
}
