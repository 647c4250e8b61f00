#include "projections/listing.h"

#include <map>

#include "ledger/base/bytes.h"
#include "ledger/event.h"
#include "projections/runbook.h"

namespace custody {

Result<std::vector<IncidentSummary>> ListIncidents(const Store& store, TimeNs now) {
  // The incident index holds (incident, seq) for each of an incident's events,
  // and (seq, seq) for its declaration: the declared ones, and their newest event.
  std::map<uint64_t, uint64_t> last;
  CUSTODY_RETURN_IF_ERROR(store.ScanIndex(Store::Index::kIncidents, [&](ByteSpan k, ByteSpan) {
    if (k.size() != 16) return;
    const uint64_t incident = GetBigEndian64(k.data()), seq = GetBigEndian64(k.data() + 8);
    if (incident == seq) last[incident] = seq;
    auto it = last.find(incident);
    if (it != last.end() && seq > it->second) it->second = seq;
  }));
  std::vector<IncidentSummary> out;
  out.reserve(last.size());
  for (const auto& [incident, last_seq] : last) {
    auto state = store.LoadIncident(incident);
    if (!state.ok()) return state.status();
    const IncidentStatus st = Evaluate(*state, CurrentRunbook(), now);
    auto ev = store.Get(last_seq);
    if (!ev.ok()) return ev.status();
    IncidentSummary s;
    s.incident = incident;
    s.title = st.title;
    s.closed = st.closed;
    s.severity = SeverityName(st.severity);
    s.commander = st.commander;
    s.declared_ns = st.declared_ns;
    s.events = st.events;
    s.last_seq = last_seq;
    s.last_recorded_ns = ev->event().recorded_ns();
    s.overdue = OverdueCount(st);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace custody
