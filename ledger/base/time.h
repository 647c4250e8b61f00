// Times are UTC nanoseconds since the Unix epoch. Machine-readable output uses
// one fixed RFC 3339 form: "2026-11-20T10:03:00.000000000Z" (always nine
// fractional digits, always "Z").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/base/status.h"

namespace custody {

using TimeNs = int64_t;

// The system clock, UTC. Release builds have no way to change it; library
// callers (tests) pass their own times to the functions that take one.
TimeNs NowNs();

// The fixed form above.
std::string FormatTime(TimeNs t);
// Human form for people: "2026-11-20 10:03:00Z" (seconds, no fraction).
std::string FormatTimeHuman(TimeNs t);

// Accepts RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T' or
// ' ' as separator, 'z' allowed. From 1970 up to (not including) 2200.
Result<TimeNs> ParseTime(std::string_view text);

}  // namespace custody
