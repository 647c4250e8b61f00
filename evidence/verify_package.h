// verify-package: checks an evidence package offline, with nothing but the
// package and the key the verifier trusts (DESIGN.md "Evidence packages").
// Links no RocksDB and reads no ledger.
//
// Every file is hostile: the directory is walked without following symlinks
// (a symlink or special file fails), every size is bounded before reading,
// every path is checked before use, and every parser refuses what it does not
// expect. The first failure stops verification and names what failed.
//
// One rule set for every front end (`custody verify-package`, the standalone
// `custody-verify-package`): each format version of index.json
// (package.h) is checked by the rules of that version, so a package that
// verifies today verifies with every later release.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "evidence/package.h"
#include "ledger/base/status.h"

namespace custody {

struct PackageReport {
  // What was checked, in order, as (topic, what was found): printed by the CLI.
  std::vector<std::pair<std::string, std::string>> checks;
  package::Index index;
};

// OK, or VerificationFailed / Corruption naming the first failure.
Status VerifyPackage(const std::string& dir, const Hash32& trust, PackageReport* report);

}  // namespace custody
