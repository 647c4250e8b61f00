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
#include "ledger/stream_hash.h"

namespace custody {
namespace {

namespace fs = std::filesystem;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

std::string BlobPath(const std::string& ledger_dir, const Hash32& sha256) {
  return (fs::path(ledger_dir) / layout::kBlobDir / EncodeHex(sha256)).string();
}

namespace {

// Makes the staging directory (and the blob directory beside it) and removes
// files a process that died while staging left there; returns a new staging
// path.
Result<std::string> NewStagingPath(const std::string& ledger_dir) {
  const fs::path tmp_dir = fs::path(ledger_dir) / layout::kBlobTmpDir;
  std::error_code ec;
  fs::create_directories(tmp_dir, ec);
  fs::create_directories(fs::path(ledger_dir) / layout::kBlobDir, ec);
  if (ec) return Status::IOError("create " + tmp_dir.string() + ": " + ec.message());
  // Files left by a process that died while staging: nothing refers to
  // them. A day old is old enough that no live stager still writes them.
  for (auto& entry : fs::directory_iterator(tmp_dir, ec)) {
    struct stat st;
    if (entry.path().extension() == ".part" && lstat(entry.path().c_str(), &st) == 0 &&
        S_ISREG(st.st_mode) && time(nullptr) - st.st_mtime > 24 * 3600)
      unlink(entry.path().c_str());
  }
  Hash32 name;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(name.data(), 16));
  return (tmp_dir / (EncodeHex(ByteSpan(name.data(), 16)) + ".part")).string();
}

}  // namespace

Result<StagedBlob> StageBlob(const std::string& ledger_dir, int fd, const ProgressFn& progress) {
  auto path = NewStagingPath(ledger_dir);
  if (!path.ok()) return path.status();
  StagedBlob blob;
  blob.path = *path;
  int out = open(blob.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0) return Status::IOError(Errno("create " + blob.path));
  Status s = StreamHashed(
      fd,
      [&](const uint8_t* data, size_t n) {
        return WriteFull(out, data, n) ? Status::OK()
                                       : Status::IOError(Errno("write " + blob.path));
      },
      "input", &blob.sha256, &blob.size,
      [&progress](uint64_t done) {
        if (progress) progress(done, 0);
      });
  if (s.ok() && fdatasync(out) != 0) s = Status::IOError(Errno("sync " + blob.path));
  if (close(out) != 0 && s.ok()) s = Status::IOError(Errno("close " + blob.path));
  if (!s.ok()) {
    unlink(blob.path.c_str());
    return s;
  }
  return blob;
}

Result<std::unique_ptr<BlobWriter>> BlobWriter::Open(const std::string& ledger_dir) {
  auto path = NewStagingPath(ledger_dir);
  if (!path.ok()) return path.status();
  std::unique_ptr<BlobWriter> w(new BlobWriter());
  w->blob_.path = *path;
  w->fd_ = open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (w->fd_ < 0) return Status::IOError(Errno("create " + *path));
  return w;
}

BlobWriter::~BlobWriter() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(blob_.path.c_str());
  }
}

Status BlobWriter::Write(const uint8_t* data, size_t n) {
  if (fd_ < 0) return Status::InvalidArgument("staged content already finished");
  hash_.Update(data, n);
  if (!WriteFull(fd_, data, n)) return Status::IOError(Errno("write " + blob_.path));
  blob_.size += n;
  return Status::OK();
}

Result<StagedBlob> BlobWriter::Finish() {
  if (fd_ < 0) return Status::InvalidArgument("staged content already finished");
  blob_.sha256 = hash_.Final();
  Status s;
  if (fdatasync(fd_) != 0) s = Status::IOError(Errno("sync " + blob_.path));
  if (close(fd_) != 0 && s.ok()) s = Status::IOError(Errno("close " + blob_.path));
  fd_ = -1;
  if (!s.ok()) {
    unlink(blob_.path.c_str());
    return s;
  }
  return blob_;
}

void DiscardStagedBlob(const StagedBlob& blob) {
  if (!blob.path.empty()) unlink(blob.path.c_str());
}

}  // namespace custody
