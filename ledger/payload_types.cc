// One description per payload type (rippled has one transactor per
// transaction type): its name, who may append it, whether it acts on an
// incident, whether it is a membership or key event, which runbook steps it
// records, its own checks and its decoder, in one row of kTypes below. The
// renderings of each type are projections/render.cc's, in a table of the
// same order.
#include "ledger/payload_types.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <type_traits>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/crypto.h"
#include "ledger/event_checks.h"
#include "ledger/membership.h"

namespace custody {
namespace {

using namespace event_checks;

// --- Each type's own checks (rule R1, docs/rules.md) ---------------------

Status CheckGenesis(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_Genesis();
  if (!HasOnlyKnownFields(p, fb::Genesis::VT_STORAGE_FORMAT))
    return Bad(seq, "genesis has unknown fields");
  if (!TextOk(p->name(), true)) return Bad(seq, "genesis without a valid ledger name");
  return Status::OK();
}

Status CheckMembership(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_Membership();
  if (!HasOnlyKnownFields(p, fb::Membership::VT_ROLES))
    return Bad(seq, "membership has unknown fields");
  if (!KeyOk(p->member())) return Bad(seq, "membership without a valid member key");
  uint32_t roles = static_cast<uint32_t>(p->roles());
  if (roles & ~static_cast<uint32_t>(fb::Role::ANY)) return Bad(seq, "unknown role bits");
  if (p->op() == fb::MemberOp::Grant && roles == 0) return Bad(seq, "grant of no role");
  if (p->op() != fb::MemberOp::Grant && p->op() != fb::MemberOp::Revoke)
    return Bad(seq, "unknown membership operation");
  return Status::OK();
}

Status CheckKeyRotated(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_KeyRotated();
  if (!HasOnlyKnownFields(p, fb::KeyRotated::VT_NEW_KEY))
    return Bad(seq, "key rotation has unknown fields");
  if (!KeyOk(p->new_key())) return Bad(seq, "key rotation without a valid new key");
  if (ToHash(p->new_key()) == ToHash(e.author())) return Bad(seq, "key rotation to the same key");
  return Status::OK();
}

Status CheckKeyCompromised(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_KeyCompromised();
  if (!HasOnlyKnownFields(p, fb::KeyCompromised::VT_REASON))
    return Bad(seq, "key compromise has unknown fields");
  if (!KeyOk(p->key())) return Bad(seq, "key compromise without a valid key");
  if (!TextOk(p->reason(), true))
    return Bad(seq, "key compromise needs a reason (UTF-8, at most 64 KiB)");
  if (p->since_ns() < 0 || p->since_ns() > e.recorded_ns() + kMaxOccurredAhead)
    return Bad(seq, "key compromise time out of range");
  return Status::OK();
}

Status CheckNote(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_Note();
  if (!HasOnlyKnownFields(p, fb::Note::VT_TEXT)) return Bad(seq, "note has unknown fields");
  if (!TextOk(p->text(), true)) return Bad(seq, "note text must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckCheckpoint(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_Checkpoint();
  if (!HasOnlyKnownFields(p, fb::Checkpoint::VT_NOSTR))
    return Bad(seq, "checkpoint has unknown fields");
  if (p->root() == nullptr || !TextOk(p->note(), true) || !TextOk(p->nostr(), true))
    return Bad(seq, "checkpoint without root, note or nostr event");
  // A checkpoint covers exactly the events before it, and both its forms
  // are signed by the event's author for this ledger.
  if (p->size() != seq)
    return Bad(
        seq, "checkpoint of size " + std::to_string(p->size()) + " is not of the events before it");
  const Hash32 author = ToHash(e.author());
  auto cp = VerifyCheckpointNote(p->note()->string_view(), author,
                                 CheckpointOrigin(ToHash(e.ledger_id())));
  if (!cp.ok()) return Bad(seq, cp.status().message());
  if (cp->size != p->size() || cp->root != ToHash(p->root()))
    return Bad(seq, "checkpoint note does not match its event");
  auto nostr = VerifyNostrEvent(p->nostr()->string_view());
  if (!nostr.ok()) return Bad(seq, nostr.status().message());
  if (nostr->content != EncodeCheckpointBody(*cp) || nostr->pubkey != author)
    return Bad(seq, "checkpoint's nostr event does not match its note or author");
  return Status::OK();
}

Status CheckIncidentDeclared(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_IncidentDeclared();
  if (!HasOnlyKnownFields(p, fb::IncidentDeclared::VT_OBSERVATION_WINDOW_MINUTES))
    return Bad(seq, "incident declaration has unknown fields");
  if (p->severity() < fb::Severity::Sev1 || p->severity() > fb::Severity::Sev3)
    return Bad(seq, "incident severity must be SEV-1, SEV-2 or SEV-3");
  if (!TextOk(p->title(), true) || !TextOk(p->summary(), false))
    return Bad(seq, "incident title (and summary) must be UTF-8, 1 byte to 64 KiB");
  if (static_cast<uint8_t>(p->playbooks()) & ~static_cast<uint8_t>(fb::Playbook::ANY))
    return Bad(seq, "unknown playbook bits");
  if (e.incident() != 0) return Bad(seq, "an incident declaration names no incident");
  if (p->runbook() == nullptr || IsZero(ToHash(p->runbook())))
    return Bad(seq, "an incident declaration records the runbook version it is declared under");
  if (p->observation_window_minutes() > kMaxObservationWindowMinutes)
    return Bad(seq, "observation window longer than 30 days");
  return Status::OK();
}

Status CheckEvidenceAttached(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_EvidenceAttached();
  if (!HasOnlyKnownFields(p, fb::EvidenceAttached::VT_SOURCE))
    return Bad(seq, "evidence has unknown fields");
  if (p->sha256() == nullptr) return Bad(seq, "evidence without a content hash");
  if (!TextOk(p->media_type(), true) || !IsMediaType(p->media_type()->string_view()))
    return Bad(seq, "evidence media type must look like type/subtype");
  if (!TextOk(p->name(), true) || p->name()->size() > 255 ||
      p->name()->string_view().find('/') != std::string_view::npos)
    return Bad(seq, "evidence name must be a file name (no '/', 1 to 255 bytes of UTF-8)");
  if (static_cast<uint8_t>(p->kind()) > static_cast<uint8_t>(fb::EvidenceKind::MAX))
    return Bad(seq, "unknown evidence kind");
  if (!TextOk(p->source(), false))
    return Bad(seq, "evidence source must be UTF-8, 1 byte to 64 KiB");
  if (p->acquired_ns() < 0 || p->acquired_ns() > e.recorded_ns() + kMaxOccurredAhead)
    return Bad(seq, "evidence acquisition time out of range");
  return Status::OK();
}

Status CheckDeployRecorded(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_DeployRecorded();
  if (!HasOnlyKnownFields(p, fb::DeployRecorded::VT_REPO))
    return Bad(seq, "deploy has unknown fields");
  if (!TextOk(p->service(), true) || p->service()->size() > 255)
    return Bad(seq, "deploy service must be UTF-8, 1 to 255 bytes");
  if (p->commit() == nullptr || (p->commit()->size() != 20 && p->commit()->size() != 32))
    return Bad(seq, "deploy commit must be a git SHA-1 (20 bytes) or SHA-256 (32 bytes)");
  if (p->deployed_ns() < 0 || p->deployed_ns() > e.recorded_ns() + kMaxOccurredAhead)
    return Bad(seq, "deploy time out of range");
  if (!TextOk(p->repo(), false)) return Bad(seq, "deploy repo must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckExportPerformed(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_ExportPerformed();
  if (!HasOnlyKnownFields(p, fb::ExportPerformed::VT_SHARED_BLOBS))
    return Bad(seq, "export has unknown fields");
  if (p->checkpoint_root() == nullptr || p->tagmanifest_sha256() == nullptr)
    return Bad(seq, "export without checkpoint root or tagmanifest hash");
  if (p->checkpoint_size() == 0 || p->checkpoint_size() > seq)
    return Bad(seq, "export against a checkpoint that is not before it");
  if (p->scope() == fb::ExportScope::User) {
    if (!KeyOk(p->user())) return Bad(seq, "user export without a valid user key");
  } else if (p->scope() == fb::ExportScope::Incident) {
    if (p->user() != nullptr || e.incident() == 0)
      return Bad(seq, "incident export must name its incident and no user");
  } else {
    return Bad(seq, "unknown export scope");
  }
  return Status::OK();
}

Status CheckPlaybookActivated(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_PlaybookActivated();
  if (!HasOnlyKnownFields(p, fb::PlaybookActivated::VT_PLAYBOOKS))
    return Bad(seq, "playbook activation has unknown fields");
  const auto bits = static_cast<uint8_t>(p->playbooks());
  if (bits == 0 || (bits & ~static_cast<uint8_t>(fb::Playbook::ANY)))
    return Bad(seq, "playbook activation of no or unknown playbooks");
  return Status::OK();
}

Status CheckCommanderAssigned(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_CommanderAssigned();
  if (!HasOnlyKnownFields(p, fb::CommanderAssigned::VT_COMMANDER))
    return Bad(seq, "commander assignment has unknown fields");
  if (!KeyOk(p->commander())) return Bad(seq, "commander assignment without a valid key");
  return Status::OK();
}

Status CheckSeverityChanged(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_SeverityChanged();
  if (!HasOnlyKnownFields(p, fb::SeverityChanged::VT_REASON))
    return Bad(seq, "severity change has unknown fields");
  if (p->severity() < fb::Severity::Sev1 || p->severity() > fb::Severity::Sev3)
    return Bad(seq, "severity must be SEV-1, SEV-2 or SEV-3");
  if (!TextOk(p->reason(), true))
    return Bad(seq, "severity change needs a reason (UTF-8, at most 64 KiB)");
  return Status::OK();
}

// Freezes and unfreezes share their fields; a freeze needs its reason.
template <typename T>
Status CheckOperation(const fb::Event& e, const T* p, bool freeze) {
  const uint64_t seq = e.seq();
  if (!HasOnlyKnownFields(p, T::VT_REASON)) return Bad(seq, "freeze has unknown fields");
  if (p->operation() == nullptr || !IsOperationName(p->operation()->string_view()))
    return Bad(seq, "operation name must be 1 to 64 of a-z, 0-9 and '-'");
  if (!TextOk(p->reason(), freeze))
    return Bad(seq, "freeze reason must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckOperationFrozen(const fb::Event& e) {
  return CheckOperation(e, e.payload_as_OperationFrozen(), true);
}

Status CheckOperationUnfrozen(const fb::Event& e) {
  return CheckOperation(e, e.payload_as_OperationUnfrozen(), false);
}

Status CheckSecretRotated(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_SecretRotated();
  if (!HasOnlyKnownFields(p, fb::SecretRotated::VT_NOTE))
    return Bad(seq, "rotation has unknown fields");
  if (!StepOk(p->step())) return Bad(seq, "rotation without a valid step id");
  if (p->new_key() == nullptr && p->label() == nullptr)
    return Bad(seq, "rotation records neither a new key nor a secret label");
  if (p->new_key() != nullptr && !KeyOk(p->new_key()))
    return Bad(seq, "rotation's new key is not a valid secp256k1 key");
  if (!TextOk(p->label(), false) || (p->label() && p->label()->size() > 255))
    return Bad(seq, "secret label must be UTF-8, 1 to 255 bytes");
  if (!TextOk(p->note(), false)) return Bad(seq, "note must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckPathsInvalidated(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_PathsInvalidated();
  if (!HasOnlyKnownFields(p, fb::PathsInvalidated::VT_NOTE))
    return Bad(seq, "invalidation has unknown fields");
  if (!StepOk(p->step()) || !TextOk(p->note(), false))
    return Bad(seq, "invalidation needs a valid step id (and a UTF-8 note)");
  return Status::OK();
}

Status CheckUserNotified(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_UserNotified();
  if (!HasOnlyKnownFields(p, fb::UserNotified::VT_NOTE))
    return Bad(seq, "notification has unknown fields");
  if (!StepOk(p->step()) || !TextOk(p->channel(), false) || !TextOk(p->note(), false))
    return Bad(seq, "notification needs a valid step id (and UTF-8 channel and note)");
  if (e.subjects() == nullptr || e.subjects()->size() == 0)
    return Bad(seq, "notification names no user (subject)");
  return Status::OK();
}

Status CheckActionsBlocked(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_ActionsBlocked();
  if (!HasOnlyKnownFields(p, fb::ActionsBlocked::VT_NOTE))
    return Bad(seq, "block has unknown fields");
  if (!StepOk(p->step()) || !TextOk(p->note(), false))
    return Bad(seq, "block needs a valid step id (and a UTF-8 note)");
  if (e.subjects() == nullptr || e.subjects()->size() == 0)
    return Bad(seq, "block names no user (subject)");
  return Status::OK();
}

Status CheckStepDone(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_StepDone();
  if (!HasOnlyKnownFields(p, fb::StepDone::VT_STABLE_SINCE_NS))
    return Bad(seq, "step has unknown fields");
  if (!StepOk(p->step()) || !TextOk(p->note(), false))
    return Bad(seq, "step needs a valid step id (and a UTF-8 note)");
  if (p->stable_since_ns() < 0 || p->stable_since_ns() > e.occurred_ns())
    return Bad(seq, "stable-since time after the step itself");
  // Only the exit.4 confirmation says since when monitoring saw a stable state, and it must.
  if ((p->step()->string_view() == "exit.4") != (p->stable_since_ns() > 0))
    return Bad(seq, "exit.4 (and only exit.4) carries a stable-since time");
  return Status::OK();
}

Status CheckReconciliationRecorded(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_ReconciliationRecorded();
  if (!HasOnlyKnownFields(p, fb::ReconciliationRecorded::VT_NOTE))
    return Bad(seq, "reconciliation has unknown fields");
  if (p->unit() == nullptr ||
      (p->unit()->string_view() != "sat" && p->unit()->string_view() != "msat"))
    return Bad(seq, "reconciliation unit must be sat or msat");
  if ((p->sender_wallet() && !KeyOk(p->sender_wallet())) ||
      (p->receiver_wallet() && !KeyOk(p->receiver_wallet())))
    return Bad(seq, "reconciliation wallet is not a valid secp256k1 key");
  if (!TextOk(p->note(), false)) return Bad(seq, "note must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckCommunicationSent(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_CommunicationSent();
  if (!HasOnlyKnownFields(p, fb::CommunicationSent::VT_NEXT_UPDATE_NS))
    return Bad(seq, "communication has unknown fields");
  if (!TextOk(p->message(), false) || !TextOk(p->facts(), false) ||
      !TextOk(p->impact_scope(), false) || !TextOk(p->user_action(), false))
    return Bad(seq, "communication text must be UTF-8, 1 byte to 64 KiB");
  // A part that is only white space is missing.
  auto blank = [](const flatbuffers::String* t) {
    return t == nullptr || t->string_view().find_first_not_of(" \t\r\n") == std::string_view::npos;
  };
  if (p->audience() == fb::Audience::Internal) {
    if (blank(p->message())) return Bad(seq, "internal update without a message");
    if (p->next_update_ns() != 0) return Bad(seq, "internal update with a next update time");
  } else if (p->audience() == fb::Audience::External) {
    if (blank(p->facts()) || blank(p->impact_scope()) || blank(p->user_action()) ||
        p->next_update_ns() <= 0)
      return Bad(seq,
                 "external message without facts, impact scope, user action or next update time");
    if (p->next_update_ns() <= e.occurred_ns() || p->next_update_ns() > kMaxTime)
      return Bad(seq, "external message's next update time is not after it");
  } else {
    return Bad(seq, "unknown audience");
  }
  return Status::OK();
}

Status CheckRootCauseRecorded(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_RootCauseRecorded();
  if (!HasOnlyKnownFields(p, fb::RootCauseRecorded::VT_BOUNDED))
    return Bad(seq, "root cause has unknown fields");
  if (!TextOk(p->text(), true)) return Bad(seq, "root cause must be UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckIncidentClosed(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_IncidentClosed();
  if (!HasOnlyKnownFields(p, fb::IncidentClosed::VT_OVERRIDE_REASON))
    return Bad(seq, "close has unknown fields");
  if (!TextOk(p->root_cause(), true) || !TextOk(p->override_reason(), false))
    return Bad(seq, "close needs a root cause (and override reason) of UTF-8, 1 byte to 64 KiB");
  return Status::OK();
}

Status CheckPirPublished(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_PirPublished();
  if (!HasOnlyKnownFields(p, fb::PirPublished::VT_NAME)) return Bad(seq, "PIR has unknown fields");
  if (p->sha256() == nullptr) return Bad(seq, "PIR without a content hash");
  if (!TextOk(p->media_type(), true) || !IsMediaType(p->media_type()->string_view()))
    return Bad(seq, "PIR media type must look like type/subtype");
  if (!TextOk(p->name(), true) || p->name()->size() > 255 ||
      p->name()->string_view().find('/') != std::string_view::npos)
    return Bad(seq, "PIR name must be a file name (no '/', 1 to 255 bytes of UTF-8)");
  return Status::OK();
}

Status CheckCorrection(const fb::Event& e) {
  const uint64_t seq = e.seq();
  auto* p = e.payload_as_Correction();
  if (!HasOnlyKnownFields(p, fb::Correction::VT_REASON))
    return Bad(seq, "correction has unknown fields");
  if (!TextOk(p->reason(), true))
    return Bad(seq, "correction needs a reason (UTF-8, at most 64 KiB)");
  if (CorrectsOf(e) == nullptr) return Bad(seq, "correction without a Corrects reference");
  return Status::OK();
}

// --- Each type's decoder ---------------------------------------------------

void DecodeGenesis(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_Genesis();
  *out = GenesisPayload{p->name() ? p->name()->str() : "", p->storage_format()};
}

void DecodeMembership(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_Membership();
  *out = MembershipPayload{ToHash(p->member()), p->op(), static_cast<uint32_t>(p->roles())};
}

void DecodeKeyRotated(const fb::Event& e, Payload* out) {
  *out = KeyRotatedPayload{ToHash(e.payload_as_KeyRotated()->new_key())};
}

void DecodeKeyCompromised(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_KeyCompromised();
  *out =
      KeyCompromisedPayload{ToHash(p->key()), p->since_ns(), p->reason() ? p->reason()->str() : ""};
}

void DecodeNote(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_Note();
  *out = NotePayload{p->text() ? p->text()->str() : ""};
}

void DecodeCheckpoint(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_Checkpoint();
  *out = CheckpointPayload{p->size(), ToHash(p->root()), p->note() ? p->note()->str() : "",
                           p->nostr() ? p->nostr()->str() : ""};
}

void DecodeIncidentDeclared(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_IncidentDeclared();
  *out = IncidentDeclaredPayload{p->severity(),
                                 p->title() ? p->title()->str() : "",
                                 p->summary() ? p->summary()->str() : "",
                                 static_cast<uint8_t>(p->playbooks()),
                                 ToHash(p->runbook()),
                                 p->observation_window_minutes()};
}

void DecodeEvidenceAttached(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_EvidenceAttached();
  *out = EvidencePayload{ToHash(p->sha256()),
                         p->size(),
                         p->media_type() ? p->media_type()->str() : "",
                         p->name() ? p->name()->str() : "",
                         p->kind(),
                         p->acquired_ns(),
                         p->source() ? p->source()->str() : ""};
}

void DecodeDeployRecorded(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_DeployRecorded();
  DeployPayload d{p->service() ? p->service()->str() : "",
                  {},
                  p->deployed_ns(),
                  p->repo() ? p->repo()->str() : ""};
  if (p->commit()) d.commit.assign(p->commit()->begin(), p->commit()->end());
  *out = std::move(d);
}

void DecodeExportPerformed(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_ExportPerformed();
  *out = ExportPayload{p->scope(),
                       ToHash(p->user()),
                       p->checkpoint_size(),
                       ToHash(p->checkpoint_root()),
                       ToHash(p->tagmanifest_sha256()),
                       p->events(),
                       p->shared_blobs()};
}

void DecodePlaybookActivated(const fb::Event& e, Payload* out) {
  *out = PlaybookPayload{static_cast<uint8_t>(e.payload_as_PlaybookActivated()->playbooks())};
}

void DecodeCommanderAssigned(const fb::Event& e, Payload* out) {
  *out = CommanderPayload{ToHash(e.payload_as_CommanderAssigned()->commander())};
}

void DecodeSeverityChanged(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_SeverityChanged();
  *out = SeverityPayload{p->severity(), Str(p->reason())};
}

void DecodeOperationFrozen(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_OperationFrozen();
  *out = FreezePayload{Str(p->operation()), Str(p->reason())};
}

void DecodeOperationUnfrozen(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_OperationUnfrozen();
  *out = UnfreezePayload{Str(p->operation()), Str(p->reason())};
}

void DecodeSecretRotated(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_SecretRotated();
  *out =
      SecretRotatedPayload{Str(p->step()), ToHash(p->new_key()), Str(p->label()), Str(p->note())};
}

void DecodePathsInvalidated(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_PathsInvalidated();
  *out = InvalidatedPayload{Str(p->step()), Str(p->note())};
}

void DecodeUserNotified(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_UserNotified();
  *out = UserNotifiedPayload{Str(p->step()), Str(p->channel()), Str(p->note())};
}

void DecodeActionsBlocked(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_ActionsBlocked();
  *out = BlockedPayload{Str(p->step()), Str(p->note())};
}

void DecodeStepDone(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_StepDone();
  *out = StepPayload{Str(p->step()), Str(p->note()), p->stable_since_ns()};
}

void DecodeReconciliationRecorded(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_ReconciliationRecorded();
  ReconciliationPayload r;
  r.unit = Str(p->unit());
  r.sender_wallet = ToHash(p->sender_wallet());
  r.receiver_wallet = ToHash(p->receiver_wallet());
  r.sender_balance = p->sender_balance();
  r.sender_proofs = p->sender_proofs();
  r.receiver_balance = p->receiver_balance();
  r.receiver_proofs = p->receiver_proofs();
  r.tx_entries = p->tx_entries();
  r.tx_sent = p->tx_sent();
  r.tx_received = p->tx_received();
  r.note = Str(p->note());
  *out = std::move(r);
}

void DecodeCommunicationSent(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_CommunicationSent();
  *out = CommunicationPayload{p->audience(),          Str(p->message()),     Str(p->facts()),
                              Str(p->impact_scope()), Str(p->user_action()), p->next_update_ns()};
}

void DecodeRootCauseRecorded(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_RootCauseRecorded();
  *out = RootCausePayload{Str(p->text()), p->bounded()};
}

void DecodeIncidentClosed(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_IncidentClosed();
  *out = ClosePayload{Str(p->root_cause()), Str(p->override_reason())};
}

void DecodePirPublished(const fb::Event& e, Payload* out) {
  auto* p = e.payload_as_PirPublished();
  *out = PirPayload{ToHash(p->sha256()), p->size(), Str(p->media_type()), Str(p->name())};
}

void DecodeCorrection(const fb::Event& e, Payload* out) {
  *out = CorrectionPayload{Str(e.payload_as_Correction()->reason())};
}

// The variant's alternatives are in the union's order (ledger/event.fbs):
// PayloadTypeOf and the table below depend on it.
static_assert(std::is_same_v<std::variant_alternative_t<0, Payload>, GenesisPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<1, Payload>, MembershipPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<2, Payload>, KeyRotatedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<3, Payload>, KeyCompromisedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<4, Payload>, NotePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<5, Payload>, CheckpointPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<6, Payload>, IncidentDeclaredPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<7, Payload>, EvidencePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<8, Payload>, DeployPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<9, Payload>, ExportPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<10, Payload>, PlaybookPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<11, Payload>, CommanderPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<12, Payload>, SeverityPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<13, Payload>, FreezePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<14, Payload>, UnfreezePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<15, Payload>, SecretRotatedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<16, Payload>, InvalidatedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<17, Payload>, UserNotifiedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<18, Payload>, BlockedPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<19, Payload>, StepPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<20, Payload>, ReconciliationPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<21, Payload>, CommunicationPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<22, Payload>, RootCausePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<23, Payload>, ClosePayload>);
static_assert(std::is_same_v<std::variant_alternative_t<24, Payload>, PirPayload>);
static_assert(std::is_same_v<std::variant_alternative_t<25, Payload>, CorrectionPayload>);
static_assert(static_cast<size_t>(fb::Payload::MAX) == std::variant_size_v<Payload>);

// The table, in the union's order: row i is union value i + 1.
// On-disk format: names never change.
constexpr PayloadType kTypes[] = {
    {fb::Payload::Genesis, "genesis", 0, false, true, "", CheckGenesis, DecodeGenesis},
    {fb::Payload::Membership, "membership", kAdmin, false, true, "", CheckMembership,
     DecodeMembership},
    {fb::Payload::KeyRotated, "key_rotated", kAdmin, false, true, "", CheckKeyRotated,
     DecodeKeyRotated},
    {fb::Payload::KeyCompromised, "key_compromised", kAdmin, false, true, "", CheckKeyCompromised,
     DecodeKeyCompromised},
    {fb::Payload::Note, "note", kAdmin | kCommander | kResponder | kLegal | kAuditor, false, false,
     "", CheckNote, DecodeNote},
    {fb::Payload::Checkpoint, "checkpoint", kAdmin | kNotary, false, false, "", CheckCheckpoint,
     DecodeCheckpoint},
    {fb::Payload::IncidentDeclared, "incident_declared", kAdmin | kCommander, false, false,
     "first15.4", CheckIncidentDeclared, DecodeIncidentDeclared},
    {fb::Payload::EvidenceAttached, "evidence", kAdmin | kCommander | kResponder, false, false, "",
     CheckEvidenceAttached, DecodeEvidenceAttached},
    {fb::Payload::DeployRecorded, "deploy", kAdmin | kCommander | kResponder, false, false, "",
     CheckDeployRecorded, DecodeDeployRecorded},
    {fb::Payload::ExportPerformed, "export", kAdmin | kLegal, false, false, "",
     CheckExportPerformed, DecodeExportPerformed},
    {fb::Payload::PlaybookActivated, "playbook_activated", kAdmin | kCommander, true, false, "",
     CheckPlaybookActivated, DecodePlaybookActivated},
    {fb::Payload::CommanderAssigned, "commander_assigned", kAdmin | kCommander, true, false,
     "first15.1", CheckCommanderAssigned, DecodeCommanderAssigned},
    {fb::Payload::SeverityChanged, "severity_changed", kAdmin | kCommander, true, false, "",
     CheckSeverityChanged, DecodeSeverityChanged},
    {fb::Payload::OperationFrozen, "operation_frozen", kAdmin | kCommander | kResponder, true,
     false, "", CheckOperationFrozen, DecodeOperationFrozen},
    {fb::Payload::OperationUnfrozen, "operation_unfrozen", kAdmin | kCommander | kResponder, true,
     false, "", CheckOperationUnfrozen, DecodeOperationUnfrozen},
    {fb::Payload::SecretRotated, "secret_rotated", kAdmin | kCommander | kResponder, true, false,
     "A.1 B.3 C.1", CheckSecretRotated, DecodeSecretRotated},
    {fb::Payload::PathsInvalidated, "paths_invalidated", kAdmin | kCommander | kResponder, true,
     false, "A.2 C.2", CheckPathsInvalidated, DecodePathsInvalidated},
    {fb::Payload::UserNotified, "user_notified", kAdmin | kCommander | kResponder, true, false,
     "B.1", CheckUserNotified, DecodeUserNotified},
    {fb::Payload::ActionsBlocked, "actions_blocked", kAdmin | kCommander | kResponder, true, false,
     "B.2", CheckActionsBlocked, DecodeActionsBlocked},
    {fb::Payload::StepDone, "step_done", kAdmin | kCommander | kResponder, true, false, "*",
     CheckStepDone, DecodeStepDone},
    {fb::Payload::ReconciliationRecorded, "reconciliation", kAdmin | kCommander | kResponder, true,
     false, "funds.3", CheckReconciliationRecorded, DecodeReconciliationRecorded},
    {fb::Payload::CommunicationSent, "communication",
     kAdmin | kCommander | kResponder /* external: admin, commander */, true, false, "",
     CheckCommunicationSent, DecodeCommunicationSent},
    {fb::Payload::RootCauseRecorded, "root_cause", kAdmin | kCommander, true, false, "exit.1",
     CheckRootCauseRecorded, DecodeRootCauseRecorded},
    {fb::Payload::IncidentClosed, "incident_closed", kAdmin | kCommander, true, false, "",
     CheckIncidentClosed, DecodeIncidentClosed},
    {fb::Payload::PirPublished, "pir_published", kAdmin | kCommander, true, false, "pir.1",
     CheckPirPublished, DecodePirPublished},
    {fb::Payload::Correction, "correction", kAdmin | kCommander | kResponder, true, false, "",
     CheckCorrection, DecodeCorrection},
};
static_assert(std::size(kTypes) == std::variant_size_v<Payload>);

constexpr bool InUnionOrder() {
  for (size_t i = 0; i < std::size(kTypes); ++i)
    if (static_cast<size_t>(kTypes[i].type) != i + 1) return false;
  return true;
}
static_assert(InUnionOrder(), "kTypes rows must follow the union's numbering");

// Steps that hold by what they judge and are never recorded by an event.
bool HoldsByItself(std::string_view step) {
  return step == "exit.2" || step == "exit.3" || step.rfind("comms.", 0) == 0;
}

}  // namespace

const PayloadType* FindPayloadType(fb::Payload type) {
  const size_t i = static_cast<size_t>(type);
  return i >= 1 && i <= std::size(kTypes) ? &kTypes[i - 1] : nullptr;
}

fb::Payload RecordedBy(std::string_view step) {
  if (HoldsByItself(step)) return fb::Payload::NONE;
  for (const PayloadType& t : kTypes) {
    std::string_view list = t.steps;
    for (size_t at = 0; at < list.size();) {
      size_t end = list.find(' ', at);
      if (end == std::string_view::npos) end = list.size();
      if (list.substr(at, end - at) == step) return t.type;
      at = end + 1;
    }
  }
  return fb::Payload::StepDone;  // steps: "*", every other step
}

Status CheckPayload(const fb::Event& e) {
  const PayloadType* t = FindPayloadType(e.payload_type());
  if (t == nullptr)
    return Status::Rejected("event " + std::to_string(e.seq()) + ": unknown payload type " +
                            std::to_string(static_cast<unsigned>(e.payload_type())));
  return t->check(e);
}

Payload DecodePayload(const fb::Event& e) {
  Payload out;
  if (const PayloadType* t = FindPayloadType(e.payload_type())) t->decode(e, &out);
  return out;
}

}  // namespace custody
