// Import lines: one JSON object per line, "type" naming the event type and the
// other members that type's fields (docs/cli.md, "import"):
//   {"type":"note","text":"…","incident":"INC-7","subjects":["npub1…"],
//    "occurred":"2026-11-20T10:03:00Z"}
//   {"type":"deploy","service":"wallet-api","hash":"<40 or 64 hex>",
//    "deployed_at":"2026-11-20T09:40:00Z","repo":"https://…","incident":"INC-7"}
// A line is parsed into a Draft, strictly: unknown members, wrong JSON types,
// bad keys or times are errors that say which member.
#pragma once

#include <string_view>

#include "ledger/draft.h"

namespace custody {

inline constexpr size_t kMaxImportLine = 256 << 10;

Result<Draft> ParseImportLine(std::string_view line);

}  // namespace custody
