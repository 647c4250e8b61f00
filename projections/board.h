// The live incident board's state (docs/server.md, "The incident board"):
// what `custody status` shows, the timeline chart and the latest events of
// one incident, as of one signed tree head, so the page can name the
// checkpoint it reflects. Built from the store's verified events and
// projections alone; the server only sends it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/time.h"
#include "ledger/store/store.h"

namespace custody {

// The incident's events before `size` (0: all of them), in sequence order.
// InvalidArgument if the incident was never declared.
Result<std::vector<SignedEvent>> IncidentEvents(const Store& store, uint64_t incident,
                                                uint64_t size);

inline constexpr size_t kBoardLatestEvents = 20;

// One JSON object (a single line):
//   {"incident", "title", "checkpoint": {"size", "root", "note"},
//    "now", "status": <custody status --json>, "status_text": <custody status>,
//    "chart": <the timeline's SVG>, "latest": [<timeline rows, newest first>]}
// `head_note` is the signed tree head of `size` leaves; events at or after
// `size` are left out, whatever the store holds. `now` judges what is due.
Result<std::string> BoardStateJson(const Store& store, uint64_t incident, uint64_t size,
                                   std::string_view head_note, TimeNs now);

}  // namespace custody
