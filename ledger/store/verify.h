// Full verification of a stored ledger: every event's framing, body, id and
// signatures, the chain (sequence, ledger id, previous id), recorded times,
// per-user back-links, references, authorization replayed from the membership
// events, and that the stored head and members index agree with the events.
//
// Streams the events in chunks, so memory stays bounded whatever the ledger's
// size; signature checks run on every core.
#pragma once

#include <optional>

#include "ledger/store/store.h"

namespace custody {

struct VerifyOptions {
  std::optional<Hash32> trust;  // the genesis admin must be this key
  unsigned threads = 0;         // 0: every core
  ProgressFn progress;
};

struct VerifyReport {
  uint64_t events = 0;
  Hash32 ledger_id{};
  Hash32 genesis_admin{};
  Hash32 head_id{};
  std::string name;           // from the genesis event
  bool have_genesis = false;  // ledger id and genesis admin are known
};

// Returns OK, or the first failure in sequence order: Corruption or
// VerificationFailed naming the event ("event 42: prev id mismatch").
// *report is filled as far as verification got.
Status VerifyLedger(const Store& store, const VerifyOptions& options, VerifyReport* report);

}  // namespace custody
