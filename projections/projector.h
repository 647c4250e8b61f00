// Incident projections in the ledger: kept at append through the store's
// projector hook (ledger/store/projector.h), read back with catch-up, and
// rebuilt from the events alone.
#pragma once

#include <functional>
#include <string>

#include "ledger/store/store.h"
#include "projections/incident.h"

namespace custody {

// The store's projector for incident projections. Stateless: one instance
// serves every store.
class IncidentProjector : public Projector {
 public:
  Status Apply(uint64_t first, const std::vector<Bytes>& events, const GetFn& get,
               Puts* puts) override;
  static IncidentProjector& Instance();
};

// The projection entry key of an incident.
std::string IncidentKey(uint64_t incident);

// The incident's projection, read back with catch-up: Store::LoadIncident.

struct RebuildReport {
  uint64_t events = 0;          // scanned
  uint64_t incidents = 0;       // projections written
  uint64_t applied_before = 0;  // where the stored projections stood
  uint64_t matched = 0;         // stored entries equal to the rebuilt ones
  uint64_t differed = 0;        // stored, but not equal
  uint64_t missing = 0;         // rebuilt, not stored
  uint64_t extra = 0;           // stored, not rebuilt
  double seconds = 0;
};

// Rebuilds every projection from the events alone (framing and the
// FlatBuffers Verifier on every event; no signature checks — `custody verify`
// checks those), compares with what was stored, and replaces it.
// REQUIRES: store opened as writer.
Status RebuildProjections(Store* store, const ProgressFn& progress, RebuildReport* report);

}  // namespace custody
