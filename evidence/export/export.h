// Export: writes an evidence package (evidence/package.h) from a ledger, then
// appends the "export performed" event that makes the ledger remember it.
//
// The selection is bounded by a stored checkpoint, so the same exporter,
// checkpoint and arguments give the same bytes. Everything is read through
// the indexes (subject, incident, membership, blobs, tree): cost grows with
// the package, not the ledger. Writes only inside a new or empty directory,
// creating every file and directory itself and following no symlink.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "evidence/package.h"
#include "ledger/store/store.h"

namespace custody {

struct ExportRequest {
  fb::ExportScope scope = fb::ExportScope::User;
  Hash32 user{};                 // scope User
  uint64_t incident = 0;         // scope Incident; for User, limits to one incident (0: all)
  uint64_t checkpoint_size = 0;  // a stored checkpoint's size; 0: the latest
  bool include_shared_blobs = false;
  std::string out_dir;
  ProgressFn progress;
  // How the export event is appended: empty, store->Append with the
  // exporter's key; set, by the caller (a client of a server, whose store is
  // a replica, sends it to the server).
  std::function<Result<Appended>(Draft)> append;
  // Makes a blob's content present at store->BlobFile before it is copied
  // (a replica fetches it); empty: it is there.
  std::function<Status(const Hash32& sha256, uint64_t size)> fetch_blob;
};

struct ExportResult {
  package::Index index;
  Hash32 tagmanifest_sha256{};
  uint64_t files = 0;
  uint64_t bytes = 0;
  Appended recorded;  // the export-performed event
};

// REQUIRES: store opened as writer (the export event is appended, and no other
// writer changes the ledger meanwhile).
Status ExportPackage(Store* store, const SecretKey& exporter, const ExportRequest& request,
                     ExportResult* result);

}  // namespace custody
