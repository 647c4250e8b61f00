// Events: the body (FlatBuffers, ledger/event.fbs), its id, and the signed-event
// framing that is stored, hashed into the Merkle tree and exported.
//
//   signed_event = "CEV1" body_len:u32le body sig_count:u8 signature*
//
// (grammar and rules in docs/event-format.md). The id is the BIP-340 tagged hash
// "custody/event/v1" of the body bytes exactly as stored; every signature signs
// the id. Nothing is re-encoded before hashing.
//
// Decoding treats the bytes as hostile: the FlatBuffers Verifier (with explicit
// depth and table limits) runs before any field is read, and everything the
// body's own content can say about itself is checked. Checks that need the rest
// of the ledger (chain, authorization) live in ledger/chain.h.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/base/time.h"
#include "ledger/event_generated.h"

namespace custody {

inline constexpr std::string_view kEventIdTag = "custody/event/v1";
// The storage format this binary writes, as the genesis records it
// (Genesis.storage_format) and the store's meta says; every earlier format
// from kOldestStorageFormat on is read (docs/storage.md). A rule of the rule
// set names the format that introduced it (rules/rule_set.h).
// On-disk format: never change the meaning of a value.
// 4 (0.4.0): the layout of 3; introduces rule R15 (a key rotated out never
// returns), a finding in format-3 ledgers.
inline constexpr uint32_t kStorageFormat = 4;
inline constexpr uint32_t kOldestStorageFormat = 3;
inline constexpr uint8_t kSignedEventMagic[4] = {'C', 'E', 'V', '1'};
inline constexpr size_t kSignedEventHeader = 8;  // magic + body_len
inline constexpr size_t kMaxBodySize = 1 << 20;
inline constexpr size_t kMaxTextSize = 64 << 10;  // a note, a reason, a name
inline constexpr size_t kMaxSubjects = 256;
inline constexpr size_t kMaxReferences = 256;
inline constexpr TimeNs kMaxOccurredAhead = 120LL * 1000000000;  // occurred <= recorded + 120 s
inline constexpr uint32_t kMaxObservationWindowMinutes = 30 * 24 * 60;
inline constexpr TimeNs kMaxTime = 7258118400LL * 1000000000;  // 2200-01-01T00:00:00Z
// FlatBuffers Verifier limits: an event is a root table and one payload table.
inline constexpr unsigned kVerifierMaxDepth = 8;
inline constexpr unsigned kVerifierMaxTables = 64;

// Payload type names as people and --json see them ("note", "membership", …).
// On-disk format: the union's numbering is in event.fbs; names never change.
std::string_view PayloadTypeName(fb::Payload type);
// Returns fb::Payload::NONE for a name that is not a known type.
fb::Payload PayloadTypeFromName(std::string_view name);
bool IsKnownPayloadType(fb::Payload type);

// Incidents are named by their declaration's sequence number: "INC-7", or ""
// for 0 (none).
std::string IncidentName(uint64_t incident_seq);
// Parses "INC-7" (or "7") into 7. InvalidArgument otherwise.
Result<uint64_t> ParseIncidentName(std::string_view text);

// What the author means to append. The store fills in the chain fields.
struct GenesisPayload {
  std::string name;
  uint32_t storage_format = 0;
};
struct MembershipPayload {
  Hash32 member{};
  fb::MemberOp op = fb::MemberOp::Grant;
  uint32_t roles = 0;  // fb::Role bits; Revoke with 0 revokes all
};
struct KeyRotatedPayload {
  Hash32 new_key{};
};
struct KeyCompromisedPayload {
  Hash32 key{};
  TimeNs since_ns = 0;
  std::string reason;
};
struct NotePayload {
  std::string text;
};
struct CheckpointPayload {
  uint64_t size = 0;
  Hash32 root{};
  std::string note;   // C2SP signed note (ledger/checkpoint.h)
  std::string nostr;  // NIP-01 event JSON
};
struct IncidentDeclaredPayload {
  fb::Severity severity = fb::Severity::None;
  std::string title;
  std::string summary;                      // optional
  uint8_t playbooks = 0;                    // fb::Playbook bits
  Hash32 runbook{};                         // the runbook version (projections/runbook.h)
  uint32_t observation_window_minutes = 0;  // 0: the runbook's default
};
struct EvidencePayload {
  Hash32 sha256{};
  uint64_t size = 0;
  std::string media_type;
  std::string name;
  fb::EvidenceKind kind = fb::EvidenceKind::Other;
  TimeNs acquired_ns = 0;
  std::string source;  // optional
};
struct DeployPayload {
  std::string service;
  Bytes commit;            // 20 or 32 bytes
  TimeNs deployed_ns = 0;  // 0: not given
  std::string repo;        // optional
};
struct ExportPayload {
  fb::ExportScope scope = fb::ExportScope::User;
  Hash32 user{};
  uint64_t checkpoint_size = 0;
  Hash32 checkpoint_root{};
  Hash32 tagmanifest_sha256{};
  uint64_t events = 0;
  bool shared_blobs = false;
};
// Runbook actions (event.fbs has what each field means).
struct PlaybookPayload {
  uint8_t playbooks = 0;  // fb::Playbook bits
};
struct CommanderPayload {
  Hash32 commander{};
};
struct SeverityPayload {
  fb::Severity severity = fb::Severity::None;
  std::string reason;
};
struct FreezePayload {
  std::string operation, reason;
};
struct UnfreezePayload {
  std::string operation, reason;  // reason optional
};
struct SecretRotatedPayload {
  std::string step;
  Hash32 new_key{};   // zero: none
  std::string label;  // "": none
  std::string note;
};
struct InvalidatedPayload {
  std::string step, note;
};
struct UserNotifiedPayload {
  std::string step, channel, note;
};
struct BlockedPayload {
  std::string step, note;
};
struct StepPayload {
  std::string step, note;
  TimeNs stable_since_ns = 0;  // exit.4 only
};
struct ReconciliationPayload {
  std::string unit;                           // "sat" or "msat"
  Hash32 sender_wallet{}, receiver_wallet{};  // zero: not given
  uint64_t sender_balance = 0, sender_proofs = 0;
  uint64_t receiver_balance = 0, receiver_proofs = 0;
  uint64_t tx_entries = 0, tx_sent = 0, tx_received = 0;
  std::string note;
  // The figures agree pairwise: balances with proofs, sent with received.
  bool Reconciles() const {
    return sender_balance == sender_proofs && receiver_balance == receiver_proofs &&
           tx_sent == tx_received;
  }
};
struct CommunicationPayload {
  fb::Audience audience = fb::Audience::Internal;
  std::string message, facts, impact_scope, user_action;
  TimeNs next_update_ns = 0;
};
struct RootCausePayload {
  std::string text;
  bool bounded = false;
};
struct ClosePayload {
  std::string root_cause, override_reason;
};
struct PirPayload {
  Hash32 sha256{};
  uint64_t size = 0;
  std::string media_type, name;
};
struct CorrectionPayload {
  std::string reason;
};

// The variant's alternatives are in the union's order (PayloadTypeOf).
using Payload =
    std::variant<GenesisPayload, MembershipPayload, KeyRotatedPayload, KeyCompromisedPayload,
                 NotePayload, CheckpointPayload, IncidentDeclaredPayload, EvidencePayload,
                 DeployPayload, ExportPayload, PlaybookPayload, CommanderPayload, SeverityPayload,
                 FreezePayload, UnfreezePayload, SecretRotatedPayload, InvalidatedPayload,
                 UserNotifiedPayload, BlockedPayload, StepPayload, ReconciliationPayload,
                 CommunicationPayload, RootCausePayload, ClosePayload, PirPayload,
                 CorrectionPayload>;

// A payload that stores content in the blob store (evidence, a published
// PIR): its hash and size. False for every other payload.
bool BlobOf(const Payload& p, Hash32* sha256, uint64_t* size);
bool BlobOf(const fb::Event& e, Hash32* sha256, uint64_t* size);

// Runbook actions: the payload types that act on an incident (and must name
// one), and the step id a payload records ("" if none).
bool IsIncidentActionType(fb::Payload type);
std::string StepOf(const fb::Event& e);

// "SEV-1".."SEV-3"; Parse refuses anything else.
std::string SeverityName(fb::Severity s);
Result<fb::Severity> ParseSeverity(std::string_view text);
// "A", "AC"; Parse takes one letter.
std::string PlaybookNames(uint8_t bits);
Result<uint8_t> ParsePlaybook(std::string_view text);
// "logs", "metrics", "config", "other".
std::string_view EvidenceKindName(fb::EvidenceKind k);
Result<fb::EvidenceKind> ParseEvidenceKind(std::string_view text);
// "internal", "external".
std::string_view AudienceName(fb::Audience a);
// Step ids as DESIGN.md fixes them: first15.N, A.N, B.N, C.N, funds.N,
// comms.N, exit.N, pir.N (N from 1 to 99).
bool IsStepId(std::string_view step);
// An operation name: 1 to 64 of [a-z0-9-], e.g. "outbound-payments".
bool IsOperationName(std::string_view name);
// The Corrects reference of an event, if any (at most one is allowed).
const fb::Reference* CorrectsOf(const fb::Event& e);
// Membership and key lifecycle: the events that decide who may append.
bool IsMembershipType(fb::Payload type);
fb::Payload PayloadTypeOf(const Payload& p);

struct SubjectLink {
  Hash32 key{};
  uint64_t prev_seq = 0;  // 0 = no earlier event about this user
};
struct Reference {
  Hash32 id{};
  uint64_t seq = 0;
  fb::Relation relation = fb::Relation::Cites;
};

// Every field of a body.
struct EventFields {
  Hash32 ledger_id{};
  uint64_t seq = 0;
  Hash32 prev_id{};
  TimeNs recorded_ns = 0;
  TimeNs occurred_ns = 0;
  Hash32 author{};
  uint64_t incident = 0;
  std::vector<SubjectLink> subjects;
  std::vector<Reference> references;
  Payload payload;
};

// Encodes a body. The result is what gets hashed, signed and stored.
Bytes EncodeBody(const EventFields& fields);
// Reads every field back out of a decoded body.
EventFields DecodeFields(const fb::Event& event);

// The event id of a body.
Hash32 EventId(ByteSpan body);

// The keys that must sign, in order: the author, then co-signers the payload
// requires (a key rotation's new key).
std::vector<Hash32> RequiredSigners(const fb::Event& event);

// Runs the FlatBuffers Verifier on a body and checks everything the body can be
// checked for on its own. The append path runs it on what it is about to sign;
// SignedEvent::Decode runs it on what it reads.
// REQUIRES: body.data() is 8-byte aligned.
Status CheckBody(ByteSpan body);

// Frames a body and its signatures into signed-event bytes.
Bytes FrameSignedEvent(ByteSpan body, const std::vector<Sig64>& sigs);

// A decoded signed event. Owns its bytes (aligned for FlatBuffers access).
class SignedEvent {
 public:
  // Checks framing, runs the Verifier, and checks everything the event can be
  // checked for on its own (see event.cc). Does not check signatures.
  static Result<SignedEvent> Decode(Bytes bytes);
  static Result<SignedEvent> Decode(ByteSpan bytes) {
    return Decode(Bytes(bytes.begin(), bytes.end()));
  }

  SignedEvent(SignedEvent&&) = default;
  SignedEvent& operator=(SignedEvent&&) = default;

  const Bytes& bytes() const { return bytes_; }
  ByteSpan body() const { return ByteSpan(bytes_.data() + kSignedEventHeader, body_len_); }
  const fb::Event& event() const { return *fb::GetEvent(bytes_.data() + kSignedEventHeader); }
  size_t signature_count() const { return sig_count_; }
  Sig64 signature(size_t i) const;
  Hash32 id() const { return EventId(body()); }

 private:
  SignedEvent() = default;
  Bytes bytes_;
  size_t body_len_ = 0;
  size_t sig_count_ = 0;
};

// Verifies every signature of ev against its required signers, for the given id
// (the caller computed it once). Returns VerificationFailed naming the signer.
Status VerifySignatures(const SignedEvent& ev, const Hash32& id);

// Convenience accessors.
inline Hash32 ToHash(const fb::Bytes32* b) {
  Hash32 h{};
  if (b) std::memcpy(h.data(), b->b()->Data(), 32);
  return h;
}
inline fb::Bytes32 ToFb(const Hash32& h) {
  return fb::Bytes32(flatbuffers::span<const uint8_t, 32>(h.data(), 32));
}

}  // namespace custody
