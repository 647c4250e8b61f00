// Every incident of a ledger at a glance (`custody incident list`): its
// standing, and how much of the runbook is overdue, from the stored
// projections and indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/base/time.h"
#include "ledger/store/store.h"
#include "projections/status.h"

namespace custody {

struct IncidentSummary {
  uint64_t incident = 0;
  std::string title;
  bool closed = false;
  std::string severity;  // "SEV-1"
  std::optional<Hash32> commander;
  TimeNs declared_ns = 0;
  uint64_t events = 0;
  uint64_t last_seq = 0;        // the incident's newest event
  TimeNs last_recorded_ns = 0;  // and when it was recorded
  int overdue = 0;              // runbook items overdue at `now`
};

// Every declared incident, oldest first, judged at now.
Result<std::vector<IncidentSummary>> ListIncidents(const Store& store, TimeNs now);

}  // namespace custody
