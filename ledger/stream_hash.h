// Streaming SHA-256 over files and pipes, in bounded memory whatever the size:
// a chunk is hashed on a second thread while the next is read (and written,
// when copying). Evidence ingest, `evidence get`, export and verify-package
// all stream content through here.
#pragma once

#include <functional>
#include <string>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

inline constexpr size_t kStreamChunk = 4 << 20;  // bytes per read, write and hash step

// Reads fd to its end, giving each chunk to sink while hashing it. `what`
// names the input in errors; progress(bytes so far) after each chunk.
Status StreamHashed(int fd, const std::function<Status(const uint8_t*, size_t)>& sink,
                    const std::string& what, Hash32* sha256, uint64_t* size,
                    const std::function<void(uint64_t)>& progress = {});

// Writes all of buf to fd (retrying short writes). false with errno set on error.
bool WriteFull(int fd, const uint8_t* buf, size_t n);

// SHA-256 and size of a file (not followed if it is a symlink).
Result<Hash32> HashFile(const std::string& path, uint64_t* size);

// Streams the file at path to out_fd, hashing as it goes; VerificationFailed
// if its content does not have the hash `want` and size `size`.
Status CopyVerified(const std::string& path, const Hash32& want, uint64_t size, int out_fd);

}  // namespace custody
