#include "tools/passphrase.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace custody::cli {
namespace {

constexpr size_t kMaxPassphrase = 1024;

// Reads fd to end of file (or to a newline, for a terminal) into a buffer
// sized once, so no copy of the passphrase is left behind by a reallocation.
Result<std::string> ReadSecretLine(int fd, bool to_newline, const std::string& what) {
  std::string out;
  out.reserve(kMaxPassphrase + 1);
  char c = 0;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return Status::IOError(what + ": " + std::strerror(errno));
    }
    if (n == 0 || (to_newline && c == '\n')) break;
    if (out.size() == kMaxPassphrase) {
      OPENSSL_cleanse(out.data(), out.size());
      return Status::InvalidArgument(what + ": a passphrase longer than 1024 bytes");
    }
    out.push_back(c);
  }
  c = 0;
  // One trailing newline (as `echo` and editors leave it) is not part of it.
  if (!out.empty() && out.back() == '\n') {
    out.pop_back();
    if (!out.empty() && out.back() == '\r') out.pop_back();
  }
  return out;
}

class Terminal {
 public:
  Terminal() : fd_(open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) {}
  ~Terminal() {
    if (echo_off_) tcsetattr(fd_, TCSAFLUSH, &saved_);
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  Result<std::string> Ask(const std::string& prompt) {
    (void)!write(fd_, prompt.data(), prompt.size());
    if (tcgetattr(fd_, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      echo_off_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    auto line = ReadSecretLine(fd_, /*to_newline=*/true, "terminal");
    if (echo_off_) {
      tcsetattr(fd_, TCSAFLUSH, &saved_);
      echo_off_ = false;
    }
    (void)!write(fd_, "\n", 1);
    return line;
  }

 private:
  int fd_;
  termios saved_{};
  bool echo_off_ = false;
};

}  // namespace

Result<std::string> ReadPassphrase(const std::string& what, bool confirm) {
  return ReadPassphraseFrom("CUSTODY_PASSPHRASE_FD", what, confirm);
}

Result<std::string> ReadPassphraseFrom(const char* env_var, const std::string& what, bool confirm) {
  if (const char* fd_text = std::getenv(env_var); fd_text && *fd_text) {
    int fd = -1;
    std::string_view v(fd_text);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
    if (ec != std::errc() || p != v.data() + v.size() || fd < 0)
      return Status::Usage(std::string(env_var) + " must be a file descriptor number");
    return ReadSecretLine(fd, /*to_newline=*/false,
                          std::string(env_var) + " " + std::to_string(fd));
  }
  Terminal tty;
  if (!tty.ok())
    return Status::Usage(what +
                         " needs a passphrase, and there is no terminal to ask on: pass it on a "
                         "file descriptor, " +
                         std::string(env_var) + "=N");
  auto first = tty.Ask("Passphrase for " + what + ": ");
  if (!first.ok() || !confirm) return first;
  auto second = tty.Ask("The same passphrase again: ");
  if (!second.ok()) {
    OPENSSL_cleanse(first->data(), first->size());
    return second;
  }
  const bool same = *first == *second;
  OPENSSL_cleanse(second->data(), second->size());
  if (!same) {
    OPENSSL_cleanse(first->data(), first->size());
    return Status::InvalidArgument("the two passphrases differ; nothing was written");
  }
  return first;
}

}  // namespace custody::cli
