// Full verification of a stored ledger: every event's framing, body, id and
// signatures, the chain (sequence, ledger id, previous id), recorded times,
// per-user back-links, references, authorization replayed from the membership
// events, the Merkle tree recomputed against every stored checkpoint (and a
// saved one, if given), and that the stored head, members, event id, subject,
// tree and checkpoint indexes agree with the events.
//
// Streams the events in chunks, so memory stays bounded whatever the ledger's
// size; signature checks run on every core.
#pragma once

#include <functional>
#include <optional>

#include "ledger/store/store.h"

namespace custody {

struct VerifyOptions {
  // Without checkpoint: the genesis admin must be this key. With checkpoint:
  // the checkpoint must be signed by exactly this key.
  std::optional<Hash32> trust;
  // A checkpoint (signed note) saved earlier: the ledger must extend it —
  // hold at least its size, with the same root at that size.
  std::optional<std::string> checkpoint;
  unsigned threads = 0;  // 0: every core
  ProgressFn progress;
  // Makes evidence content present at store.BlobFile before it is checked
  // (a client's replica of a served ledger fetches it); empty: it is there.
  std::function<Status(const Hash32& sha256, uint64_t size)> fetch_blob;
};

struct VerifyReport {
  uint64_t events = 0;
  Hash32 ledger_id{};
  Hash32 genesis_admin{};
  Hash32 head_id{};
  std::string name;           // from the genesis event
  Hash32 root{};              // the Merkle root of all events
  uint64_t checkpoints = 0;   // stored checkpoints whose root was recomputed
  bool have_genesis = false;  // ledger id and genesis admin are known
  uint32_t format = 0;        // the storage format the genesis records
  // Broken rules that do not fail verification (rules/rule_set.h): runbook
  // policy, and integrity rules newer than the ledger's format.
  std::vector<Finding> findings;
};

// Returns OK (findings, if any, in report->findings), or the first failure in
// sequence order: Rejected (a broken rule, as the append path would have
// refused it), Corruption (storage disagreeing with the events) or
// VerificationFailed (trust, saved checkpoint), naming the event
// ("event 42: prev id mismatch").
// *report is filled as far as verification got.
Status VerifyLedger(const Store& store, const VerifyOptions& options, VerifyReport* report);

}  // namespace custody
