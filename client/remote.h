// A ledger served by `custody serve`, seen from a client (docs/server.md).
//
// The client trusts nothing the server says that it has not verified:
// - every answer about the log is pinned to a signed tree head by the notary
//   key the user trusts (given once, --trust / CUSTODY_TRUST, kept per server
//   in a state file under $XDG_STATE_HOME/custody/), and each new head must be
//   consistent with the last one this client verified;
// - reads run the library's own commands on a local replica (under
//   $XDG_CACHE_HOME/custody/) into which every event was committed through the
//   rule set — signatures, chain, rules, as verify judges them — and whose
//   Merkle root matches the signed head;
// - appends are signed here, with the author's key, at the position the
//   server leases; the server's acknowledgement carries the notary's promise,
//   checked against a later signed head with an inclusion proof (at the next
//   contact, or at once with Settle).
// The server never receives a secret.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/draft.h"
#include "ledger/store/store.h"
#include "net/http_client.h"
#include "net/protocol.h"

namespace custody {

struct RemoteOptions {
  std::string url;        // --ledger https://HOST:PORT
  std::string trust;      // --trust NPUB ("" : the one saved for this server)
  std::string ca_file;    // --ca FILE
  std::string state_dir;  // "" : $XDG_STATE_HOME/custody (~/.local/state/custody)
  std::string cache_dir;  // "" : $XDG_CACHE_HOME/custody (~/.cache/custody)
  int timeout_ms = 60000;
  int retries = 5;  // lapsed leases or a busy server, then Busy (exit 5)
};

// Evidence content to upload before the events that name it.
struct Upload {
  std::string path;
  Hash32 sha256{};
  uint64_t size = 0;
};

class Remote {
 public:
  // Connects nothing yet. key: the member key every request is signed with.
  static Result<std::unique_ptr<Remote>> Open(const RemoteOptions& options, const SecretKey& key);
  ~Remote();

  const std::string& url() const;
  // The server's identity (GET /v1/info).
  Result<proto::Info> Info();

  // Appends drafts by author (usually the key of Open) under one lease: all
  // committed or none. Uploads first the content of uploads. The answer's
  // promise is checked and kept until a signed head proves it.
  Result<std::vector<Appended>> Append(const SecretKey& author, const std::vector<Draft>& drafts,
                                       const std::vector<Upload>& uploads,
                                       const ProgressFn& progress = {});
  // Appends one draft that depends on the whole log before it (a
  // checkpoint signs its tree): takes the next position, brings the replica
  // to it, and asks make for the draft.
  using DraftAt = std::function<Result<Draft>(const Position& pos, Store& replica)>;
  Result<Appended> AppendAtHead(const SecretKey& author, const DraftAt& make);
  // Asks the server to back the ledger up into out_dir, a path on the
  // server's machine (admin only).
  Status Backup(const std::string& out_dir);
  // Asks the server's notary to store a checkpoint now.
  Result<std::vector<Appended>> RequestCheckpoint();

  // Verifies the server's latest signed head against the saved one, checks
  // the promises it covers, and saves it. With wait, retries until every
  // promise held is proved (or the deadline passes: VerificationFailed).
  Status Settle(bool wait);
  // Settle, then brings the local replica up to the verified head and opens
  // it. Read-only commands run on it.
  Result<std::unique_ptr<Store>> Replica(const ProgressFn& progress = {});
  // Streams a committed blob into fd (a regular file open for reading and
  // writing, empty) and checks its hash and size by reading it back.
  Status FetchBlob(const Hash32& sha256, uint64_t size, int fd);

  // Makes a committed blob's content present in the replica (at
  // replica.BlobFile), fetched and checked if it is not there yet.
  Status EnsureBlob(Store& replica, const Hash32& sha256, uint64_t size);

  // The replica's directory (a command stages evidence content there).
  const std::string& replica_dir() const;
  // Appends retried because a lease lapsed or the server was busy.
  uint64_t retries() const;

  // The tree size and signed head this client last verified ("" if none).
  uint64_t verified_size() const;
  const std::string& verified_head() const;

  class Impl;

 private:
  explicit Remote(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where this machine keeps its verified replica of a server's ledger
// (RemoteOptions::url, cache_dir), whether or not there is one yet. No
// network, no key: shell completion reads incident ids from it.
Result<std::string> CachedReplicaDir(const RemoteOptions& options);

// Forgets what this machine saved about a server (pinned key, checkpoint,
// promises, replica), after a legitimate restore: `custody trust reset URL`.
Status ResetTrust(const RemoteOptions& options);

}  // namespace custody
