// Secret key files: one line "nsec1…", mode 0600.
//
// Custody refuses a key file that group or others may read, never takes a
// secret on the command line, and wipes what it read. Automation may pass the
// secret on a file descriptor instead (CUSTODY_KEY_FD).
#pragma once

#include <string>

#include "ledger/base/status.h"
#include "ledger/crypto.h"

namespace custody {

// Reads a key file. Refuses one that is not a regular file or that group or
// others may read or write.
Result<SecretKey> LoadKeyFile(const std::string& path);
// Reads "nsec1…" from an open descriptor (CUSTODY_KEY_FD) until end of file.
Result<SecretKey> LoadKeyFd(int fd);
// Writes a new key file with mode 0600, refusing to replace an existing file.
Status WriteNewKeyFile(const std::string& path, const SecretKey& key);

}  // namespace custody
