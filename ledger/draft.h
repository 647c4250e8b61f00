// Draft: what an author means to append — the parts of an event that are the
// author's. The store fills in the chain fields (sequence number, ledger id,
// previous id, recorded time, back-links), checks it with the rule set and
// signs it (ledger/store/store.h); front ends only build drafts.
#pragma once

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

}  // namespace custody
