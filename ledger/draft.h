// Draft: what an author means to append — the parts of an event that are the
// author's. The store fills in the chain fields (sequence number, ledger id,
// previous id, recorded time, back-links), checks it with the rule set and
// signs it (ledger/store/store.h); front ends only build drafts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/event.h"

namespace custody {

// What an author means to append; the store fills in the chain fields.
struct Draft {
  TimeNs occurred_ns = 0;  // 0: the same as the recorded time
  uint64_t incident = 0;
  std::vector<Hash32> subjects;
  std::vector<Reference> references;
  Payload payload;
  // Keys that must co-sign (a key rotation's new key), in RequiredSigners order.
  std::vector<const SecretKey*> cosigners;
  // Evidence: the staged file (ledger/store/blobs.h) holding the content, which
  // the append commits with the event. Empty: the blob must already be stored.
  std::string staged_blob;
};

// Where the next event goes: the chain fields the ledger gives it.
struct Position {
  uint64_t seq = 0;
  Hash32 ledger_id{};  // the genesis id; zeros for the genesis itself
  Hash32 prev_id{};    // zeros for the genesis
  TimeNs recorded_ns = 0;
};

// The body of a draft by author at pos, each subject back-linked to
// last_about(subject) (0: none). Checked on its own (CheckBody) and for its
// co-signers; the rule set judges it against the ledger. The one way a body
// is built: the store's append path and a client of a server both use it.
Result<Bytes> BuildBody(const Position& pos, const Hash32& author, const Draft& draft,
                        const std::function<Result<uint64_t>(const Hash32&)>& last_about);
// The signed event: body followed by the author's signature and then the
// draft's co-signers', each verified right after signing.
Result<Bytes> SignBody(ByteSpan body, const SecretKey& author,
                       const std::vector<const SecretKey*>& cosigners);

}  // namespace custody
