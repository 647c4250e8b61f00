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

#include <string>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/store/store.h"

namespace custody {

inline constexpr size_t kBlobChunk = 4 << 20;  // bytes per read, write and hash step

struct StagedBlob {
  std::string path;  // in blobs/tmp/; the append moves or removes it
  Hash32 sha256{};
  uint64_t size = 0;
};

// Streams everything readable from fd into the ledger's staging directory,
// hashing while it writes (the hash of one chunk runs beside the write of the
// next), then syncs the file. Needs no lock. progress(done, 0) per chunk.
Result<StagedBlob> StageBlob(const std::string& ledger_dir, int fd, const ProgressFn& progress = {});

// Removes a staged file that will not be appended.
void DiscardStagedBlob(const StagedBlob& blob);

// Where a committed blob lives.
std::string BlobPath(const std::string& ledger_dir, const Hash32& sha256);

// Streams the file at path to out_fd, hashing as it goes; VerificationFailed
// if its content does not have the hash want (what was written then is not
// the evidence). Checks size too.
Status CopyVerified(const std::string& path, const Hash32& want, uint64_t size, int out_fd);

// SHA-256 of a file, streamed.
Result<Hash32> HashFile(const std::string& path, uint64_t* size);

}  // namespace custody
