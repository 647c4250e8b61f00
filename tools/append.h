// The CLI's side of the one append path: load the author's key, open the
// ledger for writing, append, and say what was written.
#pragma once

#include <optional>

#include "tools/cli.h"

namespace custody::cli {

// The command line's appends: the drafts signed here, with the author's key
// (Store::SignDrafts), then committed through the store's commit path
// (Store::Commit) — the path events signed on another machine take — so that
// every command exercises it. Bulk import uses Store::Append's pipeline; both
// run the one rule set.
// Against a server, the drafts go to the server instead (the store is the
// verified replica the command read), signed here at leased positions.
Status CommitDrafts(const Context& ctx, Store& store, const SecretKey& author,
                    const std::vector<Draft>& drafts, const AppendOptions& options,
                    std::vector<Appended>* out);
// Appends one draft signed by the context's key and prints its sequence number
// and id (or, with --json, {"seq","id","recorded","type"}).
Status AppendAndReport(const Context& ctx, Draft draft);
// The same, printing nothing.
Result<Appended> AppendOne(const Context& ctx, Draft draft);
// "--occurred TIME" and "--incident ID" as every appending command takes them.
Status ParseOccurred(const std::string& text, Draft* d);
Status ParseIncidentArg(const std::string& text, Draft* d);
// --checkpoint: a stored checkpoint's tree size, or a saved checkpoint file
// (whose size and root must be those of the stored checkpoint). Read before
// the ledger is opened (a FIFO blocks nothing; no lock is held meanwhile),
// then resolved against the store.
struct CheckpointArg {
  std::string text;            // as given; "" for none
  uint64_t size = 0;           // the tree size, given or read
  std::optional<Hash32> root;  // a saved checkpoint's root
};
Result<CheckpointArg> ReadCheckpointArg(const std::string& text);
// Checks a saved checkpoint against the stored one of its size; *size is the
// checkpoint's tree size (left alone for none).
Status ResolveCheckpointArg(const Store& store, const CheckpointArg& arg, uint64_t* size);

}  // namespace custody::cli
