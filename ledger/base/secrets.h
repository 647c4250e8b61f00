// The secret scan (rule P1, docs/rules.md "The secret scan"): no event may
// record a secret key or an NWC connection secret, in whatever field and
// however it is written. The forms refused are a table in docs/rules.md, each
// with a test (tests/ledger/secrets_test.cc).
#pragma once

#include <string_view>

#include "ledger/base/status.h"

namespace custody {

// InvalidArgument "<what> holds a secret key (nsec) …" or "… an NWC
// connection secret …" if text holds either in a refused form; OK otherwise.
// The message never repeats the secret.
//
// nsec: "nsec1" with a valid bech32 checksum, in any case, next to any other
// characters, split by white space or invisible characters (zero-width
// spaces and joiners, word joiner, BOM, soft hyphen, no-break spaces).
// NWC: a "nostr+walletconnect:" URI (any case, percent-encoded once or more,
// spaced or split the same ways, "+" also written as a space) with a
// "secret=" parameter anywhere after the scheme. A bare 64-hex string is not
// refused: commit hashes and event ids look the same.
Status RefuseSecrets(std::string_view what, std::string_view text);

}  // namespace custody
