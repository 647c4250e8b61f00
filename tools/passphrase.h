// Passphrases for encrypted key files (NIP-49): from CUSTODY_PASSPHRASE_FD=N
// (read to end of file, one trailing newline ignored), else from the terminal
// (/dev/tty, echo off; asked twice when creating). Never from an argument or
// an environment variable's value.
#pragma once

#include <string>

#include "ledger/base/status.h"

namespace custody::cli {

// Usage when there is no descriptor and no terminal; InvalidArgument when the
// two entries differ. The caller wipes what is returned.
Result<std::string> ReadPassphrase(const std::string& what, bool confirm);
// The same from the descriptor named by env_var (key rotate's new key:
// CUSTODY_NEW_PASSPHRASE_FD), else the terminal.
Result<std::string> ReadPassphraseFrom(const char* env_var, const std::string& what, bool confirm);

}  // namespace custody::cli
