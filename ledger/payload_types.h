// One description per payload type: what DESIGN.md's "Events" and
// permission table say of each type of event, in one row of a table
// (ledger/payload_types.cc) instead of a switch in every file.
#pragma once

#include <string_view>

#include "ledger/base/status.h"
#include "ledger/event.h"

namespace custody {

struct PayloadType {
  fb::Payload type;
  std::string_view name;  // as people and --json see it; never changes
  uint32_t may_append;    // role bits (ledger/membership.h) that may append it
  bool incident_action;   // a runbook action: acts on an incident and must name one
  bool membership;        // membership or key lifecycle: decides who may append
  // The runbook steps it records, space-separated ("*": every step no other
  // type records); "" for none.
  std::string_view steps;
  // Everything the payload can be checked for on its own (rule R1).
  // REQUIRES: e's payload is of this type and passed the FlatBuffers Verifier.
  Status (*check)(const fb::Event& e);
  // Reads the payload's fields. REQUIRES: as check.
  void (*decode)(const fb::Event& e, Payload* out);
};

// The row of a type; nullptr for a type this binary does not know.
const PayloadType* FindPayloadType(fb::Payload type);

// The event type that records a runbook step (projections/status.cc judges
// the step by it), or NONE for steps that hold by what they judge (exit.2,
// exit.3) or are rules rather than steps (comms.N).
fb::Payload RecordedBy(std::string_view step);

// The payload's own checks (Rejected naming the event), and its decoder.
Status CheckPayload(const fb::Event& e);
Payload DecodePayload(const fb::Event& e);

}  // namespace custody
