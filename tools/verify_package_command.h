// verify-package as a command: shared by `custody verify-package` and the
// standalone `custody-verify-package`, which links no RocksDB.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "ledger/base/status.h"

namespace custody::cli {

// Verifies the package in dir against the trusted checkpoint key (npub) and
// prints what it checked (a JSON document with json). Returns the failure.
Status VerifyPackageCommand(const std::string& dir, const std::string& trust_npub, bool json);

// The standalone custody-verify-package: its name, what it is in a line, and
// its exit codes (it reads, so only these three).
inline constexpr std::string_view kVerifierName = "custody-verify-package";
inline constexpr std::string_view kVerifierSummary = "check a Custody evidence package offline";
inline constexpr std::string_view kVerifierExitCodes =
    "0 the package verified, 1 verification failed, 2 usage error";

// Its command line, defined once: the tool's main parses with it, and
// `custody man` writes custody-verify-package.1 from it.
struct VerifierArgs {
  std::string dir;
  std::string trust;
  bool json = false;
};
void DefineVerifierCommandLine(CLI::App& app, VerifierArgs& args);

}  // namespace custody::cli
