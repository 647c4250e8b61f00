// Checkpoints and the text formats around them (docs/checkpoints.md):
//
// - the C2SP tlog-checkpoint body: origin "custody/<hex ledger id>", decimal
//   tree size, base64 root;
// - the C2SP signed note that carries it, with Custody's BIP-340 signature
//   type: key ID = SHA-256(name || 0x0A || 0xff || "custody-bip340-v1" ||
//   x-only key)[:4], signature = BIP-340 over the tagged hash
//   "custody/checkpoint/v1" of the note text;
// - the C2SP tlog-proof (inclusion proof + checkpoint), Custody's
//   consistency-proof text, and the NIP-01 event form of a checkpoint.
//
// Parsers treat their input as hostile: sizes are bounded, every line is
// checked, and errors say which part was wrong. No storage here.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/nostr.h"

namespace custody {

inline constexpr std::string_view kCheckpointTag = "custody/checkpoint/v1";
inline constexpr std::string_view kNoteKeyType = "custody-bip340-v1";
inline constexpr uint8_t kNoteSignatureType = 0xff;  // C2SP: a type it does not assign
inline constexpr int kNostrCheckpointKind = 3962;    // regular, unassigned by the NIPs
inline constexpr size_t kMaxNoteSize = 16 << 10;
inline constexpr size_t kMaxProofText = 64 << 10;
inline constexpr size_t kMaxNoteSignatures = 64;
inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";
inline constexpr std::string_view kConsistencyHeader = "custody/consistency-proof@v1";

struct Checkpoint {
  std::string origin;  // "custody/<64 hex>"
  uint64_t size = 0;
  Hash32 root{};
};

std::string CheckpointOrigin(const Hash32& ledger_id);
std::string EncodeCheckpointBody(const Checkpoint& cp);
// Exactly three lines; extension lines are refused (Custody writes none).
Result<Checkpoint> ParseCheckpointBody(std::string_view text);

using NoteKeyId = std::array<uint8_t, 4>;
NoteKeyId ComputeNoteKeyId(std::string_view name, const Hash32& xonly);

struct NoteSignature {
  std::string name;
  NoteKeyId key_id{};
  Bytes signature;  // after the key ID
};
struct SignedNote {
  std::string text;  // ends with "\n"
  std::vector<NoteSignature> signatures;
};
// SPEC: C2SP signed-note. Text, a blank line, then "— name base64(keyid || sig)" lines.
Result<SignedNote> ParseSignedNote(std::string_view note);

// A signed note of any text, signed by key under the note key name `name`,
// with BIP-340 over the tagged hash `tag` of the text. aux: the signature's
// auxiliary randomness (nullptr: fresh; given: a deterministic signature).
Result<std::string> SignNote(const SecretKey& key, std::string_view name, std::string_view text,
                             std::string_view tag, const Hash32* aux = nullptr);
// Checks that a parsed note carries a valid signature by exactly key under
// `name` and `tag`. VerificationFailed otherwise.
Status VerifyNote(const SignedNote& note, const Hash32& key, std::string_view name,
                  std::string_view tag);

// Signs a checkpoint: the whole signed note, ready to store and hand out.
Result<std::string> SignCheckpoint(const SecretKey& key, const Checkpoint& cp);
// Checks that the note is a checkpoint for `origin` (if not empty) signed by
// exactly `key`: a signature line named by the origin, with that key's ID,
// verifying under it. VerificationFailed (or InvalidArgument for a malformed
// note) otherwise.
Result<Checkpoint> VerifyCheckpointNote(std::string_view note, const Hash32& key,
                                        std::string_view origin = "");

// SPEC: C2SP tlog-proof.
struct TlogProof {
  std::optional<Bytes> extra;
  uint64_t index = 0;
  std::vector<Hash32> hashes;
  std::string checkpoint;  // the signed note, verbatim
};
std::string FormatTlogProof(const TlogProof& p);
Result<TlogProof> ParseTlogProof(std::string_view text);

// Custody's consistency proof (docs/checkpoints.md):
//   custody/consistency-proof@v1 \n old <size> \n hash* \n \n <new checkpoint>
struct ConsistencyProofText {
  uint64_t old_size = 0;
  std::vector<Hash32> hashes;
  std::string checkpoint;  // the newer signed checkpoint, verbatim
};
std::string FormatConsistencyProof(const ConsistencyProofText& p);
Result<ConsistencyProofText> ParseConsistencyProof(std::string_view text);

// The checkpoint as a NIP-01 event of kind kNostrCheckpointKind, signed by key:
// content = the checkpoint body, tags [["origin", origin], ["size", "<n>"]].
Result<std::string> NostrCheckpointEvent(const SecretKey& key, const Checkpoint& cp,
                                         int64_t created_at);

}  // namespace custody
