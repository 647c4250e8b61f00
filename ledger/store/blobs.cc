#include "ledger/store/blobs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <future>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"
#include "ledger/store/layout.h"

namespace custody {
namespace {

namespace fs = std::filesystem;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Reads up to n bytes (fewer only at the end of input).
ssize_t ReadFull(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

bool WriteFull(int fd, const uint8_t* buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    buf += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads fd to its end, calling sink(chunk) for each chunk while the previous
// chunk is being hashed on another thread: hashing and the sink's I/O overlap.
// Two buffers, so memory is 2 × kBlobChunk whatever the size.
Status StreamHashed(int fd, const std::function<Status(const uint8_t*, size_t)>& sink, const std::string& what,
                    Hash32* sha256, uint64_t* size, const ProgressFn& progress) {
  Sha256Stream hasher;
  Bytes buf[2] = {Bytes(kBlobChunk), Bytes(kBlobChunk)};
  std::future<void> hashing;
  uint64_t total = 0;
  for (int cur = 0;; cur ^= 1) {
    ssize_t n = ReadFull(fd, buf[cur].data(), kBlobChunk);
    if (n < 0) {
      if (hashing.valid()) hashing.wait();
      return Status::IOError(Errno("read " + what));
    }
    if (hashing.valid()) hashing.wait();  // the other buffer is free again
    if (n == 0) break;
    const uint8_t* data = buf[cur].data();
    const size_t len = static_cast<size_t>(n);
    hashing = std::async(std::launch::async, [&hasher, data, len] { hasher.Update(data, len); });
    Status s = sink(data, len);
    if (!s.ok()) {
      hashing.wait();
      return s;
    }
    total += len;
    if (progress) progress(total, 0);
    if (len < kBlobChunk) {
      hashing.wait();
      break;
    }
  }
  *sha256 = hasher.Final();
  *size = total;
  return Status::OK();
}

}  // namespace

std::string BlobPath(const std::string& ledger_dir, const Hash32& sha256) {
  return (fs::path(ledger_dir) / layout::kBlobDir / EncodeHex(sha256)).string();
}

Result<StagedBlob> StageBlob(const std::string& ledger_dir, int fd, const ProgressFn& progress) {
  const fs::path tmp_dir = fs::path(ledger_dir) / layout::kBlobTmpDir;
  std::error_code ec;
  fs::create_directories(tmp_dir, ec);
  fs::create_directories(fs::path(ledger_dir) / layout::kBlobDir, ec);
  if (ec) return Status::IOError("create " + tmp_dir.string() + ": " + ec.message());
  Hash32 name;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(name.data(), 16));
  StagedBlob blob;
  blob.path = (tmp_dir / (EncodeHex(ByteSpan(name.data(), 16)) + ".part")).string();
  int out = open(blob.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) return Status::IOError(Errno("create " + blob.path));
  Status s = StreamHashed(
      fd,
      [&](const uint8_t* data, size_t n) {
        return WriteFull(out, data, n) ? Status::OK() : Status::IOError(Errno("write " + blob.path));
      },
      "input", &blob.sha256, &blob.size, progress);
  if (s.ok() && fdatasync(out) != 0) s = Status::IOError(Errno("sync " + blob.path));
  if (close(out) != 0 && s.ok()) s = Status::IOError(Errno("close " + blob.path));
  if (!s.ok()) {
    unlink(blob.path.c_str());
    return s;
  }
  return blob;
}

void DiscardStagedBlob(const StagedBlob& blob) {
  if (!blob.path.empty()) unlink(blob.path.c_str());
}

Status CopyVerified(const std::string& path, const Hash32& want, uint64_t size, int out_fd) {
  int in = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return Status::IOError(Errno("open blob " + path));
  Hash32 got;
  uint64_t got_size = 0;
  Status s = StreamHashed(
      in,
      [&](const uint8_t* data, size_t n) {
        return WriteFull(out_fd, data, n) ? Status::OK() : Status::IOError(Errno("write output"));
      },
      "blob " + path, &got, &got_size, {});
  close(in);
  CUSTODY_RETURN_IF_ERROR(s);
  if (got != want || got_size != size)
    return Status::VerificationFailed("blob " + EncodeHex(want) + " is damaged: its content hashes to " +
                                      EncodeHex(got) + " (" + std::to_string(got_size) + " bytes)");
  return Status::OK();
}

Result<Hash32> HashFile(const std::string& path, uint64_t* size) {
  int in = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return Status::IOError(Errno("open " + path));
  Hash32 got;
  Status s = StreamHashed(in, [](const uint8_t*, size_t) { return Status::OK(); }, path, &got, size, {});
  close(in);
  CUSTODY_RETURN_IF_ERROR(s);
  return got;
}

}  // namespace custody
