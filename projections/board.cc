#include "projections/board.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "projections/incident.h"
#include "projections/pir.h"
#include "projections/runbook.h"
#include "projections/status.h"
#include "projections/timeline.h"

namespace custody {

Result<std::vector<SignedEvent>> IncidentEvents(const Store& store, uint64_t incident,
                                                uint64_t size) {
  auto seqs = store.EventsOfIncident(incident);
  if (!seqs.ok()) return seqs.status();
  if (seqs->empty() || (size && seqs->front() >= size))
    return Status::InvalidArgument(IncidentName(incident) + " is not a declared incident");
  std::vector<SignedEvent> events;
  events.reserve(seqs->size());
  for (uint64_t seq : *seqs) {
    if (size && seq >= size) break;
    auto ev = store.Get(seq);
    if (!ev.ok()) return ev.status();
    events.push_back(std::move(*ev));
  }
  return events;
}

Result<std::string> BoardStateJson(const Store& store, uint64_t incident, uint64_t size,
                                   std::string_view head_note, TimeNs now) {
  auto note = ParseSignedNote(head_note);
  if (!note.ok()) return note.status();
  auto cp = ParseCheckpointBody(note->text);
  if (!cp.ok()) return cp.status();
  if (cp->size != size)
    return Status::InvalidArgument("the board's tree head is of size " + std::to_string(cp->size) +
                                   ", not " + std::to_string(size));
  auto events = IncidentEvents(store, incident, size);
  if (!events.ok() && events.status().IsInvalidArgument())
    return Status::NotFound(events.status().message());  // no such board
  if (!events.ok()) return events.status();
  auto projection = store.LoadIncident(incident);
  if (!projection.ok()) return projection.status();
  const IncidentStatus st = Evaluate(StateAt(*projection, size), CurrentRunbook(), now);

  TimelineHeader h;
  h.incident = IncidentName(incident);
  h.title = st.title;
  h.severity = SeverityName(st.severity);
  h.status = st.closed ? "closed" : "open";
  h.ledger_id = EncodeHex(store.head().ledger_id);
  h.checkpoint = "size " + std::to_string(size) + " root " + EncodeHex(cp->root);
  h.checkpoint_size = size;
  const std::vector<TimelineRow> rows = BuildTimelineRows(*events);

  // The latest events: by sequence number (recording order), newest first.
  std::vector<const TimelineRow*> latest;
  for (const auto& r : rows) latest.push_back(&r);
  std::sort(latest.begin(), latest.end(),
            [](const TimelineRow* a, const TimelineRow* b) { return a->seq > b->seq; });
  if (latest.size() > kBoardLatestEvents) latest.resize(kBoardLatestEvents);

  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["incident"] = h.incident;
  j["title"] = st.title;
  j["checkpoint"] = {{"size", size}, {"root", EncodeHex(cp->root)}, {"note", head_note}};
  j["now"] = FormatTime(now);
  j["status"] = StatusJson(st);
  j["status_text"] = StatusText(st);
  j["chart"] = TimelineSvg(rows);
  j["latest"] = nlohmann::ordered_json::array();
  for (const TimelineRow* r : latest) j["latest"].push_back(TimelineRowJson(h, *r));
  // Ledger text is validated UTF-8; a renderer still never throws on it.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace custody
