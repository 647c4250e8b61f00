#include "ledger/keyfile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ledger/base/encoding.h"
#include "ledger/nip49.h"

namespace custody {
namespace {

constexpr size_t kMaxKeyFile = 1024;

// Reads at most kMaxKeyFile bytes; the buffer is wiped by the caller.
Status ReadAll(int fd, const std::string& what, char* buf, size_t* len) {
  *len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + *len, kMaxKeyFile - *len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(what + ": " + std::strerror(errno));
    if (n == 0) return Status::OK();
    *len += static_cast<size_t>(n);
    if (*len == kMaxKeyFile) return Status::InvalidArgument(what + ": too large for a key file");
  }
}

Result<SecretKey> ParseKey(const std::string& what, char* buf, size_t len,
                           const PassphraseFn& passphrase) {
  size_t b = 0, e = len;
  while (b < e && std::isspace(static_cast<unsigned char>(buf[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(buf[e - 1]))) --e;
  const std::string_view text(buf + b, e - b);
  if (IsNcryptsec(text)) {
    if (!passphrase) {
      OPENSSL_cleanse(buf, kMaxKeyFile);
      return Status::InvalidArgument(what + ": encrypted (ncryptsec); a passphrase is needed");
    }
    auto pass = passphrase(what, /*confirm=*/false);
    if (!pass.ok()) {
      OPENSSL_cleanse(buf, kMaxKeyFile);
      return pass.status();
    }
    auto key = DecryptNip49(text, *pass);
    OPENSSL_cleanse(pass->data(), pass->size());
    OPENSSL_cleanse(buf, kMaxKeyFile);
    if (!key.ok()) return key.status().Prefixed(what);
    return key;
  }
  auto secret = DecodeNsec(text);
  OPENSSL_cleanse(buf, kMaxKeyFile);
  // Never echo what was read: it may be a secret.
  if (!secret.ok())
    return Status::InvalidArgument(what + ": not an nsec1 or ncryptsec1 secret key");
  Hash32 s = *secret;
  OPENSSL_cleanse(secret->data(), secret->size());
  auto key = SecretKey::FromBytes(&s);
  if (!key.ok()) return key.status().Prefixed(what);
  return key;
}

}  // namespace

Result<SecretKey> LoadKeyFile(const std::string& path, const PassphraseFn& passphrase) {
  const std::string what = "key file " + path;
  // O_NONBLOCK: a FIFO named as a key file must not make us wait for a writer
  // (it is refused below as not a regular file).
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    auto code = errno;
    if (code == ENOENT) return Status::InvalidArgument(what + ": no such file");
    return Status::IOError(what + ": " + std::strerror(code));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return Status::IOError(what + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(what + ": not a regular file");
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(what + ": mode " + mode +
                                   " lets group or others access it; run chmod 600");
  }
  char buf[kMaxKeyFile];
  size_t len = 0;
  Status s = ReadAll(fd, what, buf, &len);
  close(fd);
  if (!s.ok()) {
    OPENSSL_cleanse(buf, sizeof buf);
    return s;
  }
  return ParseKey(what, buf, len, passphrase);
}

Result<SecretKey> LoadKeyFd(int fd, const PassphraseFn& passphrase) {
  const std::string what = "CUSTODY_KEY_FD " + std::to_string(fd);
  char buf[kMaxKeyFile];
  size_t len = 0;
  Status s = ReadAll(fd, what, buf, &len);
  if (!s.ok()) {
    OPENSSL_cleanse(buf, sizeof buf);
    return s;
  }
  return ParseKey(what, buf, len, passphrase);
}

namespace {

// Writes text and a newline to a new file of mode 0600 (O_EXCL), synced, and
// syncs its directory. The caller wipes text.
Status WriteKeyText(const std::string& path, std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status::InvalidArgument("key file " + path +
                                     ": already exists; refusing to replace it");
    return Status::IOError("key file " + path + ": " + std::strerror(errno));
  }
  // The line is written from the encoder's buffer and a separate newline:
  // appending to the string could move it and leave an unwiped copy behind.
  char newline = '\n';
  struct iovec line[2] = {{text.data(), text.size()}, {&newline, 1}};
  // Mode 0600 whatever the umask did.
  bool ok =
      fchmod(fd, 0600) == 0 && writev(fd, line, 2) == ssize_t(text.size() + 1) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return Status::IOError("key file " + path + ": " + std::strerror(err));
  }
  // The npub is printed next: make the file's directory entry durable first.
  std::string parent =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  int dir = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsync(dir) != 0) {
    int e = errno;
    if (dir >= 0) close(dir);
    return Status::IOError("key file " + path + ": cannot sync its directory: " + std::strerror(e));
  }
  close(dir);
  return Status::OK();
}

}  // namespace

Status WriteNewKeyFile(const std::string& path, const SecretKey& key) {
  std::string text = key.EncodeNsecForKeyFile();
  Status s = WriteKeyText(path, text);
  OPENSSL_cleanse(text.data(), text.size());
  return s;
}

Status WriteNewEncryptedKeyFile(const std::string& path, const std::string& ncryptsec) {
  std::string text = ncryptsec;
  return WriteKeyText(path, text);
}

Status ReplaceKeyFile(const std::string& path, const SecretKey& key, const std::string* ncryptsec) {
  // Beside it, then renamed over it: the file is whole at every moment.
  const std::string next = path + ".new";
  struct stat st;
  if (lstat(next.c_str(), &st) == 0)
    return Status::InvalidArgument(
        "key file " + next +
        " exists: left by an interrupted key encrypt or decrypt, it may hold the key (in the "
        "clear after a decrypt); check it, remove it, and run the command again");
  std::string text = ncryptsec ? *ncryptsec : key.EncodeNsecForKeyFile();
  Status s = WriteKeyText(next, text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!s.ok()) return s;
  if (rename(next.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(next.c_str());
    return Status::IOError("key file " + path + ": " + std::strerror(err));
  }
  std::string parent =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  int dir = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return Status::OK();
}

}  // namespace custody
