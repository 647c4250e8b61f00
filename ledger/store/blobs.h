// Evidence blobs: files stored content-addressed by SHA-256 inside the ledger
// directory (docs/storage.md).
//
// A blob is streamed into blobs/tmp/ while it is hashed, in bounded memory
// whatever its size, and synced; the append that commits its evidence event
// moves it to blobs/sha256/<hex> (or drops it, when that content is already
// there) in the same step that writes the event and the blobs index. Only the
// blobs index makes a blob visible: a file left by a crash before its event
// committed is never served, and the next evidence add of the same content
// replaces it.
#pragma once

#include <memory>
#include <string>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/store/store.h"
#include "ledger/stream_hash.h"

namespace custody {

struct StagedBlob {
  std::string path;  // in blobs/tmp/; the append moves or removes it
  Hash32 sha256{};
  uint64_t size = 0;
};

// Streams everything readable from fd into the ledger's staging directory,
// hashing while it writes (the hash of one chunk runs beside the write of the
// next), then syncs the file. Needs no lock. progress(done, 0) per chunk.
Result<StagedBlob> StageBlob(const std::string& ledger_dir, int fd,
                             const ProgressFn& progress = {});

// The same, fed by the caller chunk by chunk (a server receiving an upload):
// Write hashes and writes each chunk, Finish syncs and returns the staged
// blob. Destroyed unfinished, it removes its file.
class BlobWriter {
 public:
  static Result<std::unique_ptr<BlobWriter>> Open(const std::string& ledger_dir);
  ~BlobWriter();
  Status Write(const uint8_t* data, size_t n);
  Result<StagedBlob> Finish();
  uint64_t size() const { return blob_.size; }

 private:
  BlobWriter() = default;
  StagedBlob blob_;
  int fd_ = -1;
  Sha256Stream hash_;
};

// Removes a staged file that will not be appended.
void DiscardStagedBlob(const StagedBlob& blob);

// Where a committed blob lives.
std::string BlobPath(const std::string& ledger_dir, const Hash32& sha256);

}  // namespace custody
