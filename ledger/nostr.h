// NIP-01 events: the id (SHA-256 of the canonical serialization), signing,
// and checking an event received as JSON. Checkpoints travel as NIP-01 events
// (ledger/checkpoint.h) and clients authenticate to a server with NIP-98
// events (net/nip98.h); both use these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/crypto.h"

namespace custody {

using NostrTags = std::vector<std::vector<std::string>>;

// SPEC: NIP-01 — SHA-256 of [0,pubkey,created_at,kind,tags,content] serialized
// with no whitespace and NIP-01's escapes only.
Hash32 NostrEventId(const Hash32& pubkey, int64_t created_at, int kind, const NostrTags& tags,
                    const std::string& content);
// The event as one JSON object (no trailing newline), signed by key.
Result<std::string> SignNostrEvent(const SecretKey& key, int64_t created_at, int kind,
                                   const NostrTags& tags, const std::string& content);

struct NostrEvent {
  Hash32 id{};
  Hash32 pubkey{};
  int64_t created_at = 0;
  int kind = 0;
  NostrTags tags;
  std::string content;
};
// Parses a NIP-01 event (at most max_size bytes of JSON) and checks its id and
// signature, whatever its kind. InvalidArgument for a malformed event,
// VerificationFailed for a wrong id or signature.
Result<NostrEvent> VerifyNostrEvent(std::string_view json, size_t max_size = 64 << 10);

}  // namespace custody
