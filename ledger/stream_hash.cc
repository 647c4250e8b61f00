#include "ledger/stream_hash.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"

namespace custody {
namespace {

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

}  // namespace

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

namespace {

// One thread that hashes the chunks it is handed, in order, while the caller
// reads and writes the next: the whole stream uses this one thread.
class Hasher {
 public:
  Hasher() : thread_([this] { Run(); }) {}
  ~Hasher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Hands a chunk over. REQUIRES: the previous one is done (Wait()).
  void Start(const uint8_t* data, size_t len) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      data_ = data;
      len_ = len;
      busy_ = true;
    }
    cv_.notify_all();
  }
  // Waits until the chunk handed over is hashed (and its buffer free again).
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
  }
  Hash32 Final() {
    Wait();
    return sha_.Final();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return busy_ || stop_; });
      if (busy_) {
        const uint8_t* data = data_;
        const size_t len = len_;
        lock.unlock();
        sha_.Update(data, len);
        lock.lock();
        busy_ = false;
        cv_.notify_all();
        continue;
      }
      if (stop_) return;
    }
  }

  Sha256Stream sha_;
  std::mutex mu_;
  std::condition_variable cv_;
  const uint8_t* data_ = nullptr;
  size_t len_ = 0;
  bool busy_ = false, stop_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace

// Reads fd to its end, calling sink(chunk) for each chunk while the same chunk
// is hashed on another thread, and reading the next while the hash finishes:
// hashing and the I/O overlap. Two buffers, so memory is 2 × kStreamChunk
// whatever the size.
Status StreamHashed(int fd, const std::function<Status(const uint8_t*, size_t)>& sink,
                    const std::string& what, Hash32* sha256, uint64_t* size,
                    const std::function<void(uint64_t)>& progress) {
  // Not zero-filled: a 4 MiB buffer for a 2 KiB file would cost more than the file.
  std::unique_ptr<uint8_t[]> buf[2] = {std::unique_ptr<uint8_t[]>(new uint8_t[kStreamChunk]),
                                       std::unique_ptr<uint8_t[]>(new uint8_t[kStreamChunk])};
  Hasher hasher;
  uint64_t total = 0;
  for (int cur = 0;; cur ^= 1) {
    ssize_t n = ReadFull(fd, buf[cur].get(), kStreamChunk);
    hasher.Wait();  // the other buffer is free again
    if (n < 0) return Status::IOError(Errno("read " + what));
    if (n == 0) break;
    const uint8_t* data = buf[cur].get();
    const size_t len = static_cast<size_t>(n);
    hasher.Start(data, len);
    Status s = sink(data, len);
    if (!s.ok()) {
      hasher.Wait();
      return s;
    }
    total += len;
    if (progress) progress(total);
    if (len < kStreamChunk) break;
  }
  *sha256 = hasher.Final();
  *size = total;
  return Status::OK();
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
    return Status::VerificationFailed("blob " + EncodeHex(want) +
                                      " is damaged: its content hashes to " + EncodeHex(got) +
                                      " (" + std::to_string(got_size) + " bytes)");
  return Status::OK();
}

Result<Hash32> HashFile(const std::string& path, uint64_t* size) {
  int in = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return Status::IOError(Errno("open " + path));
  Hash32 got;
  Status s =
      StreamHashed(in, [](const uint8_t*, size_t) { return Status::OK(); }, path, &got, size, {});
  close(in);
  CUSTODY_RETURN_IF_ERROR(s);
  return got;
}

}  // namespace custody
