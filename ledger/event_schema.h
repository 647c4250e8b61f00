// The event schema (ledger/event.fbs) as text, byte for byte, built into the
// binary: export ships it in every evidence package (event.fbs), so that a
// recipient can print any event body with `flatc` (docs/event-format.md).
// Thread-safe: the text is a constant.
#pragma once

#include <string_view>

namespace custody {

// The bytes of ledger/event.fbs as this binary was built with them.
std::string_view EventSchemaText();

}  // namespace custody
