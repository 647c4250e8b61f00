// Secret key files: one line, "nsec1…" or — encrypted under a passphrase,
// NIP-49 (ledger/nip49.h) — "ncryptsec1…", mode 0600.
//
// Custody refuses a key file that group or others may read, never takes a
// secret on the command line, and wipes what it read. Automation may pass the
// secret on a file descriptor instead (CUSTODY_KEY_FD).
#pragma once

#include <functional>
#include <string>

#include "ledger/base/status.h"
#include "ledger/crypto.h"

namespace custody {

// Asked for the passphrase of an encrypted key: `what` names the key file;
// confirm asks twice (a new passphrase). The caller wipes what it returns.
using PassphraseFn = std::function<Result<std::string>(const std::string& what, bool confirm)>;

// Reads a key file. Refuses one that is not a regular file (a FIFO is not
// waited on) or that group or others may read or write. An encrypted one asks
// passphrase (none given: refused, naming it as encrypted).
Result<SecretKey> LoadKeyFile(const std::string& path, const PassphraseFn& passphrase = {});
// Reads a key from an open descriptor (CUSTODY_KEY_FD) until end of file.
Result<SecretKey> LoadKeyFd(int fd, const PassphraseFn& passphrase = {});
// Writes a new key file with mode 0600, refusing to replace an existing file.
Status WriteNewKeyFile(const std::string& path, const SecretKey& key);
// The same, holding an ncryptsec1… text (EncryptNip49).
Status WriteNewEncryptedKeyFile(const std::string& path, const std::string& ncryptsec);
// Replaces a key file, atomically (PATH.new, then renamed over it): with the
// ncryptsec text if given, else the plain nsec.
Status ReplaceKeyFile(const std::string& path, const SecretKey& key, const std::string* ncryptsec);

}  // namespace custody
