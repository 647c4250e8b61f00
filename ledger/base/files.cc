#include "ledger/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ledger/base/encoding.h"

namespace custody {

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  const std::string name = Printable(path);
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::InvalidArgument("cannot read " + name + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(name + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return Status::InvalidArgument(name + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  // Sized by the file (it may still grow while read: up to max_bytes + 1,
  // which tells it grew too large), not by the limit.
  std::string text(std::min<size_t>(max_bytes, static_cast<size_t>(st.st_size)) + 1, '\0');
  size_t have = 0;
  for (;;) {
    if (have == text.size()) {
      if (text.size() > max_bytes) break;
      text.resize(std::min(max_bytes + 1, text.size() * 2));
    }
    ssize_t n = read(fd, text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return Status::InvalidArgument("cannot read " + name + ": " + std::strerror(err));
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  close(fd);
  if (have > max_bytes)  // it grew while being read
    return Status::InvalidArgument(name + ": larger than " + std::to_string(max_bytes) + " bytes");
  text.resize(have);
  return text;
}

}  // namespace custody
