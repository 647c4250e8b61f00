// verify-package as a command: shared by `custody verify-package` and the
// standalone `custody-verify-package`, which links no RocksDB.
#pragma once

#include <string>

#include "ledger/base/status.h"

namespace custody::cli {

// Verifies the package in dir against the trusted checkpoint key (npub) and
// prints what it checked (a JSON document with json). Returns the failure.
Status VerifyPackageCommand(const std::string& dir, const std::string& trust_npub, bool json);

}  // namespace custody::cli
