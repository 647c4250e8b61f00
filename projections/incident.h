// The incident projection: the part of an incident's events the runbook
// evaluation (projections/status.h) reads, folded in sequence order. It is
// time-independent — what happened, not how late it is — so it can be kept
// at append (projections/projector.h) and compared byte for byte with one
// rebuilt from scratch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/event.h"

namespace custody {

// One event of the incident that the evaluation reads: the declaration, every
// runbook action, evidence, deploys and exports (notes are only counted).
struct Act {
  uint64_t seq = 0;
  TimeNs occurred_ns = 0;
  TimeNs recorded_ns = 0;
  Hash32 author{};
  std::vector<Hash32> subjects;
  uint64_t corrects = 0;  // the sequence number this event supersedes; 0: none
  Payload payload;
};

struct IncidentState {
  uint64_t incident = 0;  // the declaration's sequence number
  uint64_t events = 0;    // events of the incident, the declaration included
  uint64_t last_seq = 0;  // the last of them
  std::vector<Act> acts;  // in sequence order; acts[0] is the declaration
};

// Whether the projection keeps events of this type as acts (the declaration,
// evidence, deploys, exports and every runbook action); others are counted.
bool KeptInProjection(fb::Payload type);

// Whether an event changes the projection of an incident, and which one
// (its own seq for a declaration); 0 if none.
uint64_t IncidentOf(const fb::Event& e);

// Folds one event of s.incident (in sequence order) into s.
void ApplyEvent(const fb::Event& e, IncidentState* s);

// A deterministic encoding (JSON, fixed key order): equal states encode to
// equal bytes.
std::string EncodeState(const IncidentState& s);
Result<IncidentState> DecodeState(std::string_view bytes);

// The projection as of a sequence number: only events before `size`.
IncidentState StateAt(const IncidentState& s, uint64_t size);

}  // namespace custody
