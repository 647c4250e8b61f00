#include "ledger/event.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/crypto.h"

namespace custody {
namespace {

using flatbuffers::FlatBufferBuilder;

// The largest vtable a table may carry: one entry per field this binary knows.
// A longer vtable means fields from a schema we do not know; refusing them
// keeps a body from carrying content that no check reads.
// SPEC: FlatBuffers binary format — vtable[0] is the vtable's size in bytes.
template <typename T>
bool HasOnlyKnownFields(const T* t, flatbuffers::voffset_t last_field) {
  // Generated tables derive privately from flatbuffers::Table, their only base.
  const uint8_t* vtable = reinterpret_cast<const flatbuffers::Table*>(t)->GetVTable();
  auto vsize = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable);
  return vsize <= last_field + sizeof(flatbuffers::voffset_t);
}

// An optional string: absent when empty.
flatbuffers::Offset<flatbuffers::String> Opt(FlatBufferBuilder& b, const std::string& s) {
  return s.empty() ? 0 : b.CreateString(s);
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : ""; }

Status Bad(uint64_t seq, const std::string& why) {
  return Status::Rejected("event " + std::to_string(seq) + ": " + why);
}

// Text fields: present (when required), not empty, at most kMaxTextSize bytes,
// well-formed UTF-8 (every rendering, JSON included, can then carry it), and
// no NUL (which C strings, and some readers, would silently cut at).
bool TextOk(const flatbuffers::String* s, bool required) {
  if (s == nullptr) return !required;
  const std::string_view v = s->string_view();
  return !v.empty() && v.size() <= kMaxTextSize && v.find('\0') == std::string_view::npos &&
         IsWellFormedUtf8(v);
}

// A key the event names must be a valid x-only secp256k1 key: an invalid one
// could be granted a role no one can ever sign with.
bool KeyOk(const fb::Bytes32* key) { return key != nullptr && PublicKey::Parse(ToHash(key)).ok(); }

bool StepOk(const flatbuffers::String* s) { return s != nullptr && IsStepId(s->string_view()); }

// "type/subtype", RFC 6838 restricted-name characters, at most 255 bytes.
bool IsMediaType(std::string_view v) {
  if (v.size() > 255) return false;
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$&-^_.+", c) != nullptr;
  };
  const size_t slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == v.size()) return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (i != slash && !ok(v[i])) return false;
  return true;
}

// Everything the payload can be checked for on its own.
Status CheckPayload(const fb::Event& e) {
  const uint64_t seq = e.seq();
  switch (e.payload_type()) {
    case fb::Payload::Genesis: {
      auto* p = e.payload_as_Genesis();
      if (!HasOnlyKnownFields(p, fb::Genesis::VT_STORAGE_FORMAT))
        return Bad(seq, "genesis has unknown fields");
      if (!TextOk(p->name(), true)) return Bad(seq, "genesis without a valid ledger name");
      return Status::OK();
    }
    case fb::Payload::Membership: {
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
    case fb::Payload::KeyRotated: {
      auto* p = e.payload_as_KeyRotated();
      if (!HasOnlyKnownFields(p, fb::KeyRotated::VT_NEW_KEY))
        return Bad(seq, "key rotation has unknown fields");
      if (!KeyOk(p->new_key())) return Bad(seq, "key rotation without a valid new key");
      if (ToHash(p->new_key()) == ToHash(e.author()))
        return Bad(seq, "key rotation to the same key");
      return Status::OK();
    }
    case fb::Payload::KeyCompromised: {
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
    case fb::Payload::Checkpoint: {
      auto* p = e.payload_as_Checkpoint();
      if (!HasOnlyKnownFields(p, fb::Checkpoint::VT_NOSTR))
        return Bad(seq, "checkpoint has unknown fields");
      if (p->root() == nullptr || !TextOk(p->note(), true) || !TextOk(p->nostr(), true))
        return Bad(seq, "checkpoint without root, note or nostr event");
      // A checkpoint covers exactly the events before it, and both its forms
      // are signed by the event's author for this ledger.
      if (p->size() != seq)
        return Bad(seq, "checkpoint of size " + std::to_string(p->size()) +
                            " is not of the events before it");
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
    case fb::Payload::Note: {
      auto* p = e.payload_as_Note();
      if (!HasOnlyKnownFields(p, fb::Note::VT_TEXT)) return Bad(seq, "note has unknown fields");
      if (!TextOk(p->text(), true)) return Bad(seq, "note text must be UTF-8, 1 byte to 64 KiB");
      return Status::OK();
    }
    case fb::Payload::IncidentDeclared: {
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
    case fb::Payload::EvidenceAttached: {
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
    case fb::Payload::DeployRecorded: {
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
    case fb::Payload::ExportPerformed: {
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
    case fb::Payload::PlaybookActivated: {
      auto* p = e.payload_as_PlaybookActivated();
      if (!HasOnlyKnownFields(p, fb::PlaybookActivated::VT_PLAYBOOKS))
        return Bad(seq, "playbook activation has unknown fields");
      const auto bits = static_cast<uint8_t>(p->playbooks());
      if (bits == 0 || (bits & ~static_cast<uint8_t>(fb::Playbook::ANY)))
        return Bad(seq, "playbook activation of no or unknown playbooks");
      return Status::OK();
    }
    case fb::Payload::CommanderAssigned: {
      auto* p = e.payload_as_CommanderAssigned();
      if (!HasOnlyKnownFields(p, fb::CommanderAssigned::VT_COMMANDER))
        return Bad(seq, "commander assignment has unknown fields");
      if (!KeyOk(p->commander())) return Bad(seq, "commander assignment without a valid key");
      return Status::OK();
    }
    case fb::Payload::SeverityChanged: {
      auto* p = e.payload_as_SeverityChanged();
      if (!HasOnlyKnownFields(p, fb::SeverityChanged::VT_REASON))
        return Bad(seq, "severity change has unknown fields");
      if (p->severity() < fb::Severity::Sev1 || p->severity() > fb::Severity::Sev3)
        return Bad(seq, "severity must be SEV-1, SEV-2 or SEV-3");
      if (!TextOk(p->reason(), true))
        return Bad(seq, "severity change needs a reason (UTF-8, at most 64 KiB)");
      return Status::OK();
    }
    case fb::Payload::OperationFrozen:
    case fb::Payload::OperationUnfrozen: {
      const bool freeze = e.payload_type() == fb::Payload::OperationFrozen;
      const flatbuffers::String* op = freeze ? e.payload_as_OperationFrozen()->operation()
                                             : e.payload_as_OperationUnfrozen()->operation();
      const flatbuffers::String* reason = freeze ? e.payload_as_OperationFrozen()->reason()
                                                 : e.payload_as_OperationUnfrozen()->reason();
      const bool known = freeze ? HasOnlyKnownFields(e.payload_as_OperationFrozen(),
                                                     fb::OperationFrozen::VT_REASON)
                                : HasOnlyKnownFields(e.payload_as_OperationUnfrozen(),
                                                     fb::OperationUnfrozen::VT_REASON);
      if (!known) return Bad(seq, "freeze has unknown fields");
      if (op == nullptr || !IsOperationName(op->string_view()))
        return Bad(seq, "operation name must be 1 to 64 of a-z, 0-9 and '-'");
      if (!TextOk(reason, freeze)) return Bad(seq, "freeze reason must be UTF-8, 1 byte to 64 KiB");
      return Status::OK();
    }
    case fb::Payload::SecretRotated: {
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
    case fb::Payload::PathsInvalidated: {
      auto* p = e.payload_as_PathsInvalidated();
      if (!HasOnlyKnownFields(p, fb::PathsInvalidated::VT_NOTE))
        return Bad(seq, "invalidation has unknown fields");
      if (!StepOk(p->step()) || !TextOk(p->note(), false))
        return Bad(seq, "invalidation needs a valid step id (and a UTF-8 note)");
      return Status::OK();
    }
    case fb::Payload::UserNotified: {
      auto* p = e.payload_as_UserNotified();
      if (!HasOnlyKnownFields(p, fb::UserNotified::VT_NOTE))
        return Bad(seq, "notification has unknown fields");
      if (!StepOk(p->step()) || !TextOk(p->channel(), false) || !TextOk(p->note(), false))
        return Bad(seq, "notification needs a valid step id (and UTF-8 channel and note)");
      if (e.subjects() == nullptr || e.subjects()->size() == 0)
        return Bad(seq, "notification names no user (subject)");
      return Status::OK();
    }
    case fb::Payload::ActionsBlocked: {
      auto* p = e.payload_as_ActionsBlocked();
      if (!HasOnlyKnownFields(p, fb::ActionsBlocked::VT_NOTE))
        return Bad(seq, "block has unknown fields");
      if (!StepOk(p->step()) || !TextOk(p->note(), false))
        return Bad(seq, "block needs a valid step id (and a UTF-8 note)");
      if (e.subjects() == nullptr || e.subjects()->size() == 0)
        return Bad(seq, "block names no user (subject)");
      return Status::OK();
    }
    case fb::Payload::StepDone: {
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
    case fb::Payload::ReconciliationRecorded: {
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
    case fb::Payload::CommunicationSent: {
      auto* p = e.payload_as_CommunicationSent();
      if (!HasOnlyKnownFields(p, fb::CommunicationSent::VT_NEXT_UPDATE_NS))
        return Bad(seq, "communication has unknown fields");
      if (!TextOk(p->message(), false) || !TextOk(p->facts(), false) ||
          !TextOk(p->impact_scope(), false) || !TextOk(p->user_action(), false))
        return Bad(seq, "communication text must be UTF-8, 1 byte to 64 KiB");
      // A part that is only white space is missing.
      auto blank = [](const flatbuffers::String* t) {
        return t == nullptr ||
               t->string_view().find_first_not_of(" \t\r\n") == std::string_view::npos;
      };
      if (p->audience() == fb::Audience::Internal) {
        if (blank(p->message())) return Bad(seq, "internal update without a message");
        if (p->next_update_ns() != 0) return Bad(seq, "internal update with a next update time");
      } else if (p->audience() == fb::Audience::External) {
        if (blank(p->facts()) || blank(p->impact_scope()) || blank(p->user_action()) ||
            p->next_update_ns() <= 0)
          return Bad(
              seq, "external message without facts, impact scope, user action or next update time");
        if (p->next_update_ns() <= e.occurred_ns() || p->next_update_ns() > kMaxTime)
          return Bad(seq, "external message's next update time is not after it");
      } else {
        return Bad(seq, "unknown audience");
      }
      return Status::OK();
    }
    case fb::Payload::RootCauseRecorded: {
      auto* p = e.payload_as_RootCauseRecorded();
      if (!HasOnlyKnownFields(p, fb::RootCauseRecorded::VT_BOUNDED))
        return Bad(seq, "root cause has unknown fields");
      if (!TextOk(p->text(), true)) return Bad(seq, "root cause must be UTF-8, 1 byte to 64 KiB");
      return Status::OK();
    }
    case fb::Payload::IncidentClosed: {
      auto* p = e.payload_as_IncidentClosed();
      if (!HasOnlyKnownFields(p, fb::IncidentClosed::VT_OVERRIDE_REASON))
        return Bad(seq, "close has unknown fields");
      if (!TextOk(p->root_cause(), true) || !TextOk(p->override_reason(), false))
        return Bad(seq,
                   "close needs a root cause (and override reason) of UTF-8, 1 byte to 64 KiB");
      return Status::OK();
    }
    case fb::Payload::PirPublished: {
      auto* p = e.payload_as_PirPublished();
      if (!HasOnlyKnownFields(p, fb::PirPublished::VT_NAME))
        return Bad(seq, "PIR has unknown fields");
      if (p->sha256() == nullptr) return Bad(seq, "PIR without a content hash");
      if (!TextOk(p->media_type(), true) || !IsMediaType(p->media_type()->string_view()))
        return Bad(seq, "PIR media type must look like type/subtype");
      if (!TextOk(p->name(), true) || p->name()->size() > 255 ||
          p->name()->string_view().find('/') != std::string_view::npos)
        return Bad(seq, "PIR name must be a file name (no '/', 1 to 255 bytes of UTF-8)");
      return Status::OK();
    }
    case fb::Payload::Correction: {
      auto* p = e.payload_as_Correction();
      if (!HasOnlyKnownFields(p, fb::Correction::VT_REASON))
        return Bad(seq, "correction has unknown fields");
      if (!TextOk(p->reason(), true))
        return Bad(seq, "correction needs a reason (UTF-8, at most 64 KiB)");
      if (CorrectsOf(e) == nullptr) return Bad(seq, "correction without a Corrects reference");
      return Status::OK();
    }
    default:
      return Bad(seq,
                 "unknown payload type " + std::to_string(static_cast<unsigned>(e.payload_type())));
  }
}

// Everything the envelope can be checked for on its own.
Status CheckEnvelope(const fb::Event& e) {
  const uint64_t seq = e.seq();
  if (!HasOnlyKnownFields(&e, fb::Event::VT_PAYLOAD)) return Bad(seq, "unknown envelope fields");
  if (e.ledger_id() == nullptr || e.prev_id() == nullptr || e.author() == nullptr)
    return Bad(seq, "missing ledger id, prev id or author");
  if (e.payload() == nullptr) return Bad(seq, "no payload");
  // Range first, so the sums below cannot overflow.
  if (e.recorded_ns() < 0 || e.occurred_ns() < 0 || e.recorded_ns() > kMaxTime ||
      e.occurred_ns() > kMaxTime)
    return Bad(seq, "time out of range");
  if (e.occurred_ns() > e.recorded_ns() + kMaxOccurredAhead)
    return Bad(seq, "occurred time more than 120 s after recorded time");
  const bool genesis = e.payload_type() == fb::Payload::Genesis;
  if (genesis != (seq == 0)) return Bad(seq, "genesis payload must be exactly sequence 0");
  if (genesis && (!IsZero(ToHash(e.ledger_id())) || !IsZero(ToHash(e.prev_id())) ||
                  e.incident() != 0 || e.subjects() || e.references()))
    return Bad(seq,
               "genesis must have zero ledger id and prev id, no incident, subjects or references");
  if (!genesis && IsZero(ToHash(e.ledger_id()))) return Bad(seq, "zero ledger id");
  if (e.incident() >= seq && e.incident() != 0)
    return Bad(seq, IncidentName(e.incident()) +
                        " is not a declared incident (it would come after this event)");
  // The Verifier checks a vector's length prefix, not that its structs are
  // aligned: a crafted body can place them off their 8-byte alignment (bodies
  // themselves are 8-byte aligned), and reading one then is undefined.
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 8 == 0; };
  if (e.subjects() && !aligned(e.subjects()->Data())) return Bad(seq, "misaligned subjects");
  if (e.references() && !aligned(e.references()->Data())) return Bad(seq, "misaligned references");
  if (auto* subjects = e.subjects()) {
    if (subjects->size() > kMaxSubjects) return Bad(seq, "too many subjects");
    for (size_t i = 0; i < subjects->size(); ++i) {
      auto* s = subjects->Get(i);
      if (s->prev_seq() >= seq) return Bad(seq, "subject back-link not before the event");
      if (!KeyOk(&s->key())) return Bad(seq, "subject is not a valid secp256k1 key");
      for (size_t j = 0; j < i; ++j)
        if (ToHash(&subjects->Get(j)->key()) == ToHash(&s->key()))
          return Bad(seq, "subject listed twice");
    }
  }
  if (auto* refs = e.references()) {
    if (refs->size() > kMaxReferences) return Bad(seq, "too many references");
    for (auto* r : *refs) {
      if (r->seq() >= seq) return Bad(seq, "reference to an event not before it");
      if (static_cast<uint8_t>(r->relation()) > static_cast<uint8_t>(fb::Relation::MAX))
        return Bad(seq, "unknown reference relation");
    }
  }
  if (IsIncidentActionType(e.payload_type()) && e.incident() == 0)
    return Bad(seq, std::string(PayloadTypeName(e.payload_type())) + " names no incident");
  if (auto* refs = e.references()) {
    int corrects = 0;
    for (auto* r : *refs) corrects += r->relation() == fb::Relation::Corrects;
    if (corrects > 1) return Bad(seq, "more than one Corrects reference");
  }
  return CheckPayload(e);
}

}  // namespace

std::string_view PayloadTypeName(fb::Payload type) {
  switch (type) {
    case fb::Payload::Genesis:
      return "genesis";
    case fb::Payload::Membership:
      return "membership";
    case fb::Payload::KeyRotated:
      return "key_rotated";
    case fb::Payload::KeyCompromised:
      return "key_compromised";
    case fb::Payload::Note:
      return "note";
    case fb::Payload::Checkpoint:
      return "checkpoint";
    case fb::Payload::IncidentDeclared:
      return "incident_declared";
    case fb::Payload::EvidenceAttached:
      return "evidence";
    case fb::Payload::DeployRecorded:
      return "deploy";
    case fb::Payload::ExportPerformed:
      return "export";
    case fb::Payload::PlaybookActivated:
      return "playbook_activated";
    case fb::Payload::CommanderAssigned:
      return "commander_assigned";
    case fb::Payload::SeverityChanged:
      return "severity_changed";
    case fb::Payload::OperationFrozen:
      return "operation_frozen";
    case fb::Payload::OperationUnfrozen:
      return "operation_unfrozen";
    case fb::Payload::SecretRotated:
      return "secret_rotated";
    case fb::Payload::PathsInvalidated:
      return "paths_invalidated";
    case fb::Payload::UserNotified:
      return "user_notified";
    case fb::Payload::ActionsBlocked:
      return "actions_blocked";
    case fb::Payload::StepDone:
      return "step_done";
    case fb::Payload::ReconciliationRecorded:
      return "reconciliation";
    case fb::Payload::CommunicationSent:
      return "communication";
    case fb::Payload::RootCauseRecorded:
      return "root_cause";
    case fb::Payload::IncidentClosed:
      return "incident_closed";
    case fb::Payload::PirPublished:
      return "pir_published";
    case fb::Payload::Correction:
      return "correction";
    default:
      return "unknown";
  }
}

fb::Payload PayloadTypeFromName(std::string_view name) {
  for (uint8_t t = 1; t <= static_cast<uint8_t>(fb::Payload::MAX); ++t)
    if (PayloadTypeName(static_cast<fb::Payload>(t)) == name) return static_cast<fb::Payload>(t);
  return fb::Payload::NONE;
}

std::string_view AudienceName(fb::Audience a) {
  return a == fb::Audience::External ? "external" : "internal";
}

bool IsStepId(std::string_view step) {
  const size_t dot = step.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view section = step.substr(0, dot), number = step.substr(dot + 1);
  static constexpr std::string_view kSections[] = {"first15", "A",     "B",    "C",
                                                   "funds",   "comms", "exit", "pir"};
  if (std::find(std::begin(kSections), std::end(kSections), section) == std::end(kSections))
    return false;
  if (number.empty() || number.size() > 2 || number[0] == '0') return false;
  return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsOperationName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

const fb::Reference* CorrectsOf(const fb::Event& e) {
  if (e.references())
    for (auto* r : *e.references())
      if (r->relation() == fb::Relation::Corrects) return r;
  return nullptr;
}

bool IsIncidentActionType(fb::Payload type) {
  return static_cast<uint8_t>(type) >= static_cast<uint8_t>(fb::Payload::PlaybookActivated) &&
         static_cast<uint8_t>(type) <= static_cast<uint8_t>(fb::Payload::Correction);
}

std::string StepOf(const fb::Event& e) {
  const flatbuffers::String* s = nullptr;
  switch (e.payload_type()) {
    case fb::Payload::SecretRotated:
      s = e.payload_as_SecretRotated()->step();
      break;
    case fb::Payload::PathsInvalidated:
      s = e.payload_as_PathsInvalidated()->step();
      break;
    case fb::Payload::UserNotified:
      s = e.payload_as_UserNotified()->step();
      break;
    case fb::Payload::ActionsBlocked:
      s = e.payload_as_ActionsBlocked()->step();
      break;
    case fb::Payload::StepDone:
      s = e.payload_as_StepDone()->step();
      break;
    default:
      break;
  }
  return s ? s->str() : "";
}

bool BlobOf(const Payload& p, Hash32* sha256, uint64_t* size) {
  if (auto* ev = std::get_if<EvidencePayload>(&p)) {
    *sha256 = ev->sha256;
    *size = ev->size;
    return true;
  }
  if (auto* pir = std::get_if<PirPayload>(&p)) {
    *sha256 = pir->sha256;
    *size = pir->size;
    return true;
  }
  return false;
}

bool BlobOf(const fb::Event& e, Hash32* sha256, uint64_t* size) {
  if (auto* ev = e.payload_as_EvidenceAttached()) {
    *sha256 = ToHash(ev->sha256());
    *size = ev->size();
    return true;
  }
  if (auto* pir = e.payload_as_PirPublished()) {
    *sha256 = ToHash(pir->sha256());
    *size = pir->size();
    return true;
  }
  return false;
}

bool IsMembershipType(fb::Payload type) {
  return type == fb::Payload::Genesis || type == fb::Payload::Membership ||
         type == fb::Payload::KeyRotated || type == fb::Payload::KeyCompromised;
}

std::string SeverityName(fb::Severity s) {
  return "SEV-" + std::to_string(static_cast<unsigned>(s));
}

Result<fb::Severity> ParseSeverity(std::string_view text) {
  if (text == "SEV-1" || text == "sev-1") return fb::Severity::Sev1;
  if (text == "SEV-2" || text == "sev-2") return fb::Severity::Sev2;
  if (text == "SEV-3" || text == "sev-3") return fb::Severity::Sev3;
  return Status::InvalidArgument("severity \"" + Printable(text) +
                                 "\": want SEV-1, SEV-2 or SEV-3");
}

std::string PlaybookNames(uint8_t bits) {
  std::string out;
  for (int i = 0; i < 3; ++i)
    if (bits & (1 << i)) out += static_cast<char>('A' + i);
  return out;
}

Result<uint8_t> ParsePlaybook(std::string_view text) {
  if (text.size() == 1 && text[0] >= 'A' && text[0] <= 'C')
    return static_cast<uint8_t>(1 << (text[0] - 'A'));
  if (text.size() == 1 && text[0] >= 'a' && text[0] <= 'c')
    return static_cast<uint8_t>(1 << (text[0] - 'a'));
  return Status::InvalidArgument("playbook \"" + Printable(text) +
                                 "\": want A, B or C (RUNBOOK.md)");
}

std::string_view EvidenceKindName(fb::EvidenceKind k) {
  switch (k) {
    case fb::EvidenceKind::Logs:
      return "logs";
    case fb::EvidenceKind::Metrics:
      return "metrics";
    case fb::EvidenceKind::Config:
      return "config";
    case fb::EvidenceKind::Other:
      return "other";
  }
  return "unknown";
}

Result<fb::EvidenceKind> ParseEvidenceKind(std::string_view text) {
  for (auto k : {fb::EvidenceKind::Logs, fb::EvidenceKind::Metrics, fb::EvidenceKind::Config,
                 fb::EvidenceKind::Other})
    if (EvidenceKindName(k) == text) return k;
  return Status::InvalidArgument("evidence kind \"" + Printable(text) +
                                 "\": want logs, metrics, config or other");
}

bool IsKnownPayloadType(fb::Payload type) {
  return type != fb::Payload::NONE &&
         static_cast<uint8_t>(type) <= static_cast<uint8_t>(fb::Payload::MAX);
}

fb::Payload PayloadTypeOf(const Payload& p) {
  // The variant's alternatives are in the union's order.
  return static_cast<fb::Payload>(p.index() + 1);
}

Bytes EncodeBody(const EventFields& f) {
  FlatBufferBuilder b(512);
  flatbuffers::Offset<void> payload;
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, GenesisPayload>) {
          payload = fb::CreateGenesis(b, b.CreateString(p.name), p.storage_format).Union();
        } else if constexpr (std::is_same_v<T, MembershipPayload>) {
          auto member = ToFb(p.member);
          payload = fb::CreateMembership(b, &member, p.op, static_cast<fb::Role>(p.roles)).Union();
        } else if constexpr (std::is_same_v<T, KeyRotatedPayload>) {
          auto key = ToFb(p.new_key);
          payload = fb::CreateKeyRotated(b, &key).Union();
        } else if constexpr (std::is_same_v<T, KeyCompromisedPayload>) {
          auto key = ToFb(p.key);
          auto reason = b.CreateString(p.reason);
          payload = fb::CreateKeyCompromised(b, &key, p.since_ns, reason).Union();
        } else if constexpr (std::is_same_v<T, NotePayload>) {
          payload = fb::CreateNote(b, b.CreateString(p.text)).Union();
        } else if constexpr (std::is_same_v<T, CheckpointPayload>) {
          auto root = ToFb(p.root);
          auto note = b.CreateString(p.note);
          auto nostr = b.CreateString(p.nostr);
          payload = fb::CreateCheckpoint(b, p.size, &root, note, nostr).Union();
        } else if constexpr (std::is_same_v<T, IncidentDeclaredPayload>) {
          auto title = b.CreateString(p.title);
          auto summary = p.summary.empty() ? 0 : b.CreateString(p.summary);
          auto runbook = ToFb(p.runbook);
          payload = fb::CreateIncidentDeclared(b, p.severity, title, summary,
                                               static_cast<fb::Playbook>(p.playbooks), &runbook,
                                               p.observation_window_minutes)
                        .Union();
        } else if constexpr (std::is_same_v<T, EvidencePayload>) {
          auto hash = ToFb(p.sha256);
          auto media = b.CreateString(p.media_type);
          auto name = b.CreateString(p.name);
          auto source = p.source.empty() ? 0 : b.CreateString(p.source);
          payload = fb::CreateEvidenceAttached(b, &hash, p.size, media, name, p.kind, p.acquired_ns,
                                               source)
                        .Union();
        } else if constexpr (std::is_same_v<T, DeployPayload>) {
          auto service = b.CreateString(p.service);
          auto commit = b.CreateVector(p.commit);
          auto repo = p.repo.empty() ? 0 : b.CreateString(p.repo);
          payload = fb::CreateDeployRecorded(b, service, commit, p.deployed_ns, repo).Union();
        } else if constexpr (std::is_same_v<T, ExportPayload>) {
          auto user = ToFb(p.user), root = ToFb(p.checkpoint_root), tm = ToFb(p.tagmanifest_sha256);
          payload = fb::CreateExportPerformed(
                        b, p.scope, p.scope == fb::ExportScope::User ? &user : nullptr,
                        p.checkpoint_size, &root, &tm, p.events, p.shared_blobs)
                        .Union();
        } else if constexpr (std::is_same_v<T, PlaybookPayload>) {
          payload = fb::CreatePlaybookActivated(b, static_cast<fb::Playbook>(p.playbooks)).Union();
        } else if constexpr (std::is_same_v<T, CommanderPayload>) {
          auto key = ToFb(p.commander);
          payload = fb::CreateCommanderAssigned(b, &key).Union();
        } else if constexpr (std::is_same_v<T, SeverityPayload>) {
          payload = fb::CreateSeverityChanged(b, p.severity, b.CreateString(p.reason)).Union();
        } else if constexpr (std::is_same_v<T, FreezePayload>) {
          auto op = b.CreateString(p.operation);
          payload = fb::CreateOperationFrozen(b, op, b.CreateString(p.reason)).Union();
        } else if constexpr (std::is_same_v<T, UnfreezePayload>) {
          auto op = b.CreateString(p.operation);
          payload = fb::CreateOperationUnfrozen(b, op, Opt(b, p.reason)).Union();
        } else if constexpr (std::is_same_v<T, SecretRotatedPayload>) {
          auto step = b.CreateString(p.step);
          auto label = Opt(b, p.label);
          auto note = Opt(b, p.note);
          auto key = ToFb(p.new_key);
          payload =
              fb::CreateSecretRotated(b, step, IsZero(p.new_key) ? nullptr : &key, label, note)
                  .Union();
        } else if constexpr (std::is_same_v<T, InvalidatedPayload>) {
          auto step = b.CreateString(p.step);
          payload = fb::CreatePathsInvalidated(b, step, Opt(b, p.note)).Union();
        } else if constexpr (std::is_same_v<T, UserNotifiedPayload>) {
          auto step = b.CreateString(p.step);
          auto channel = Opt(b, p.channel);
          payload = fb::CreateUserNotified(b, step, channel, Opt(b, p.note)).Union();
        } else if constexpr (std::is_same_v<T, BlockedPayload>) {
          auto step = b.CreateString(p.step);
          payload = fb::CreateActionsBlocked(b, step, Opt(b, p.note)).Union();
        } else if constexpr (std::is_same_v<T, StepPayload>) {
          auto step = b.CreateString(p.step);
          payload = fb::CreateStepDone(b, step, Opt(b, p.note), p.stable_since_ns).Union();
        } else if constexpr (std::is_same_v<T, ReconciliationPayload>) {
          auto unit = b.CreateString(p.unit);
          auto note = Opt(b, p.note);
          auto sw = ToFb(p.sender_wallet), rw = ToFb(p.receiver_wallet);
          payload =
              fb::CreateReconciliationRecorded(
                  b, unit, IsZero(p.sender_wallet) ? nullptr : &sw, p.sender_balance,
                  p.sender_proofs, IsZero(p.receiver_wallet) ? nullptr : &rw, p.receiver_balance,
                  p.receiver_proofs, p.tx_entries, p.tx_sent, p.tx_received, note)
                  .Union();
        } else if constexpr (std::is_same_v<T, CommunicationPayload>) {
          auto message = Opt(b, p.message);
          auto facts = Opt(b, p.facts);
          auto impact = Opt(b, p.impact_scope);
          auto action = Opt(b, p.user_action);
          payload = fb::CreateCommunicationSent(b, p.audience, message, facts, impact, action,
                                                p.next_update_ns)
                        .Union();
        } else if constexpr (std::is_same_v<T, RootCausePayload>) {
          payload = fb::CreateRootCauseRecorded(b, b.CreateString(p.text), p.bounded).Union();
        } else if constexpr (std::is_same_v<T, ClosePayload>) {
          auto root = b.CreateString(p.root_cause);
          payload = fb::CreateIncidentClosed(b, root, Opt(b, p.override_reason)).Union();
        } else if constexpr (std::is_same_v<T, PirPayload>) {
          auto hash = ToFb(p.sha256);
          auto media = b.CreateString(p.media_type);
          auto name = b.CreateString(p.name);
          payload = fb::CreatePirPublished(b, &hash, p.size, media, name).Union();
        } else if constexpr (std::is_same_v<T, CorrectionPayload>) {
          payload = fb::CreateCorrection(b, b.CreateString(p.reason)).Union();
        }
      },
      f.payload);
  flatbuffers::Offset<flatbuffers::Vector<const fb::Subject*>> subjects;
  if (!f.subjects.empty()) {
    std::vector<fb::Subject> v;
    for (const auto& s : f.subjects) v.emplace_back(ToFb(s.key), s.prev_seq);
    subjects = b.CreateVectorOfStructs(v);
  }
  flatbuffers::Offset<flatbuffers::Vector<const fb::Reference*>> references;
  if (!f.references.empty()) {
    std::vector<fb::Reference> v;
    for (const auto& r : f.references) v.emplace_back(ToFb(r.id), r.seq, r.relation);
    references = b.CreateVectorOfStructs(v);
  }
  auto ledger_id = ToFb(f.ledger_id), prev_id = ToFb(f.prev_id), author = ToFb(f.author);
  fb::EventBuilder eb(b);
  eb.add_ledger_id(&ledger_id);
  eb.add_seq(f.seq);
  eb.add_prev_id(&prev_id);
  eb.add_recorded_ns(f.recorded_ns);
  eb.add_occurred_ns(f.occurred_ns);
  eb.add_author(&author);
  eb.add_incident(f.incident);
  if (!f.subjects.empty()) eb.add_subjects(subjects);
  if (!f.references.empty()) eb.add_references(references);
  eb.add_payload_type(PayloadTypeOf(f.payload));
  eb.add_payload(payload);
  b.Finish(eb.Finish());
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

EventFields DecodeFields(const fb::Event& e) {
  EventFields f;
  f.ledger_id = ToHash(e.ledger_id());
  f.seq = e.seq();
  f.prev_id = ToHash(e.prev_id());
  f.recorded_ns = e.recorded_ns();
  f.occurred_ns = e.occurred_ns();
  f.author = ToHash(e.author());
  f.incident = e.incident();
  if (e.subjects())
    for (auto* s : *e.subjects()) f.subjects.push_back({ToHash(&s->key()), s->prev_seq()});
  if (e.references())
    for (auto* r : *e.references())
      f.references.push_back({ToHash(&r->id()), r->seq(), r->relation()});
  switch (e.payload_type()) {
    case fb::Payload::Genesis: {
      auto* p = e.payload_as_Genesis();
      f.payload = GenesisPayload{p->name() ? p->name()->str() : "", p->storage_format()};
      break;
    }
    case fb::Payload::Membership: {
      auto* p = e.payload_as_Membership();
      f.payload =
          MembershipPayload{ToHash(p->member()), p->op(), static_cast<uint32_t>(p->roles())};
      break;
    }
    case fb::Payload::KeyRotated:
      f.payload = KeyRotatedPayload{ToHash(e.payload_as_KeyRotated()->new_key())};
      break;
    case fb::Payload::KeyCompromised: {
      auto* p = e.payload_as_KeyCompromised();
      f.payload = KeyCompromisedPayload{ToHash(p->key()), p->since_ns(),
                                        p->reason() ? p->reason()->str() : ""};
      break;
    }
    case fb::Payload::Note: {
      auto* p = e.payload_as_Note();
      f.payload = NotePayload{p->text() ? p->text()->str() : ""};
      break;
    }
    case fb::Payload::Checkpoint: {
      auto* p = e.payload_as_Checkpoint();
      f.payload = CheckpointPayload{p->size(), ToHash(p->root()), p->note() ? p->note()->str() : "",
                                    p->nostr() ? p->nostr()->str() : ""};
      break;
    }
    case fb::Payload::IncidentDeclared: {
      auto* p = e.payload_as_IncidentDeclared();
      f.payload = IncidentDeclaredPayload{p->severity(),
                                          p->title() ? p->title()->str() : "",
                                          p->summary() ? p->summary()->str() : "",
                                          static_cast<uint8_t>(p->playbooks()),
                                          ToHash(p->runbook()),
                                          p->observation_window_minutes()};
      break;
    }
    case fb::Payload::EvidenceAttached: {
      auto* p = e.payload_as_EvidenceAttached();
      f.payload = EvidencePayload{ToHash(p->sha256()),
                                  p->size(),
                                  p->media_type() ? p->media_type()->str() : "",
                                  p->name() ? p->name()->str() : "",
                                  p->kind(),
                                  p->acquired_ns(),
                                  p->source() ? p->source()->str() : ""};
      break;
    }
    case fb::Payload::DeployRecorded: {
      auto* p = e.payload_as_DeployRecorded();
      DeployPayload d{p->service() ? p->service()->str() : "",
                      {},
                      p->deployed_ns(),
                      p->repo() ? p->repo()->str() : ""};
      if (p->commit()) d.commit.assign(p->commit()->begin(), p->commit()->end());
      f.payload = std::move(d);
      break;
    }
    case fb::Payload::ExportPerformed: {
      auto* p = e.payload_as_ExportPerformed();
      f.payload = ExportPayload{p->scope(),
                                ToHash(p->user()),
                                p->checkpoint_size(),
                                ToHash(p->checkpoint_root()),
                                ToHash(p->tagmanifest_sha256()),
                                p->events(),
                                p->shared_blobs()};
      break;
    }
    case fb::Payload::PlaybookActivated:
      f.payload =
          PlaybookPayload{static_cast<uint8_t>(e.payload_as_PlaybookActivated()->playbooks())};
      break;
    case fb::Payload::CommanderAssigned:
      f.payload = CommanderPayload{ToHash(e.payload_as_CommanderAssigned()->commander())};
      break;
    case fb::Payload::SeverityChanged: {
      auto* p = e.payload_as_SeverityChanged();
      f.payload = SeverityPayload{p->severity(), Str(p->reason())};
      break;
    }
    case fb::Payload::OperationFrozen: {
      auto* p = e.payload_as_OperationFrozen();
      f.payload = FreezePayload{Str(p->operation()), Str(p->reason())};
      break;
    }
    case fb::Payload::OperationUnfrozen: {
      auto* p = e.payload_as_OperationUnfrozen();
      f.payload = UnfreezePayload{Str(p->operation()), Str(p->reason())};
      break;
    }
    case fb::Payload::SecretRotated: {
      auto* p = e.payload_as_SecretRotated();
      f.payload = SecretRotatedPayload{Str(p->step()), ToHash(p->new_key()), Str(p->label()),
                                       Str(p->note())};
      break;
    }
    case fb::Payload::PathsInvalidated: {
      auto* p = e.payload_as_PathsInvalidated();
      f.payload = InvalidatedPayload{Str(p->step()), Str(p->note())};
      break;
    }
    case fb::Payload::UserNotified: {
      auto* p = e.payload_as_UserNotified();
      f.payload = UserNotifiedPayload{Str(p->step()), Str(p->channel()), Str(p->note())};
      break;
    }
    case fb::Payload::ActionsBlocked: {
      auto* p = e.payload_as_ActionsBlocked();
      f.payload = BlockedPayload{Str(p->step()), Str(p->note())};
      break;
    }
    case fb::Payload::StepDone: {
      auto* p = e.payload_as_StepDone();
      f.payload = StepPayload{Str(p->step()), Str(p->note()), p->stable_since_ns()};
      break;
    }
    case fb::Payload::ReconciliationRecorded: {
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
      f.payload = std::move(r);
      break;
    }
    case fb::Payload::CommunicationSent: {
      auto* p = e.payload_as_CommunicationSent();
      f.payload =
          CommunicationPayload{p->audience(),          Str(p->message()),     Str(p->facts()),
                               Str(p->impact_scope()), Str(p->user_action()), p->next_update_ns()};
      break;
    }
    case fb::Payload::RootCauseRecorded: {
      auto* p = e.payload_as_RootCauseRecorded();
      f.payload = RootCausePayload{Str(p->text()), p->bounded()};
      break;
    }
    case fb::Payload::IncidentClosed: {
      auto* p = e.payload_as_IncidentClosed();
      f.payload = ClosePayload{Str(p->root_cause()), Str(p->override_reason())};
      break;
    }
    case fb::Payload::PirPublished: {
      auto* p = e.payload_as_PirPublished();
      f.payload = PirPayload{ToHash(p->sha256()), p->size(), Str(p->media_type()), Str(p->name())};
      break;
    }
    case fb::Payload::Correction:
      f.payload = CorrectionPayload{Str(e.payload_as_Correction()->reason())};
      break;
    default:
      break;  // Decode() refuses unknown types before anyone gets here.
  }
  return f;
}

std::string IncidentName(uint64_t seq) { return seq ? "INC-" + std::to_string(seq) : ""; }

Result<uint64_t> ParseIncidentName(std::string_view text) {
  std::string_view digits = text;
  if (digits.size() > 4 && (digits.substr(0, 4) == "INC-" || digits.substr(0, 4) == "inc-"))
    digits.remove_prefix(4);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || v == 0)
    return Status::InvalidArgument("incident \"" + Printable(text) + "\": want INC-<number>");
  return v;
}

Hash32 EventId(ByteSpan body) { return TaggedHash(kEventIdTag, body); }

std::vector<Hash32> RequiredSigners(const fb::Event& e) {
  std::vector<Hash32> signers{ToHash(e.author())};
  if (e.payload_type() == fb::Payload::KeyRotated)
    signers.push_back(ToHash(e.payload_as_KeyRotated()->new_key()));
  return signers;
}

Bytes FrameSignedEvent(ByteSpan body, const std::vector<Sig64>& sigs) {
  Bytes out(kSignedEventHeader + body.size() + 1 + 64 * sigs.size());
  std::memcpy(out.data(), kSignedEventMagic, 4);
  PutLittleEndian32(out.data() + 4, static_cast<uint32_t>(body.size()));
  std::memcpy(out.data() + kSignedEventHeader, body.data(), body.size());
  size_t pos = kSignedEventHeader + body.size();
  out[pos++] = static_cast<uint8_t>(sigs.size());
  for (const auto& s : sigs) {
    std::memcpy(out.data() + pos, s.data(), 64);
    pos += 64;
  }
  return out;
}

Status CheckBody(ByteSpan body) {
  flatbuffers::Verifier verifier(body.data(), body.size(), kVerifierMaxDepth, kVerifierMaxTables);
  if (!fb::VerifyEventBuffer(verifier))
    return Status::Rejected("signed event: body fails the FlatBuffers verifier");
  return CheckEnvelope(*fb::GetEvent(body.data()));
}

Result<SignedEvent> SignedEvent::Decode(Bytes bytes) {
  // Until the seq is known, errors name the framing.
  if (bytes.size() < kSignedEventHeader + 1)
    return Status::Rejected("signed event: " + std::to_string(bytes.size()) + " bytes, too short");
  if (std::memcmp(bytes.data(), kSignedEventMagic, 4) != 0)
    return Status::Rejected("signed event: bad magic (not \"CEV1\")");
  const size_t body_len = GetLittleEndian32(bytes.data() + 4);
  if (body_len == 0 || body_len > kMaxBodySize)
    return Status::Rejected("signed event: body length " + std::to_string(body_len) +
                            " out of range");
  if (bytes.size() < kSignedEventHeader + body_len + 1)
    return Status::Rejected("signed event: body length " + std::to_string(body_len) +
                            " runs past the end");
  const size_t sig_count = bytes[kSignedEventHeader + body_len];
  const size_t want = kSignedEventHeader + body_len + 1 + 64 * sig_count;
  if (bytes.size() != want)
    return Status::Rejected("signed event: " + std::to_string(bytes.size()) +
                            " bytes, framing says " + std::to_string(want));
  const uint8_t* body = bytes.data() + kSignedEventHeader;
  CUSTODY_RETURN_IF_ERROR(CheckBody(ByteSpan(body, body_len)));
  const fb::Event& e = *fb::GetEvent(body);
  if (sig_count != RequiredSigners(e).size())
    return Bad(e.seq(), "has " + std::to_string(sig_count) + " signatures, needs " +
                            std::to_string(RequiredSigners(e).size()));
  SignedEvent ev;
  ev.bytes_ = std::move(bytes);
  ev.body_len_ = body_len;
  ev.sig_count_ = sig_count;
  return ev;
}

Sig64 SignedEvent::signature(size_t i) const {
  Sig64 s;
  std::memcpy(s.data(), bytes_.data() + kSignedEventHeader + body_len_ + 1 + 64 * i, 64);
  return s;
}

Status VerifySignatures(const SignedEvent& ev, const Hash32& id) {
  auto signers = RequiredSigners(ev.event());
  for (size_t i = 0; i < signers.size(); ++i) {
    if (!VerifySchnorr(signers[i], id, ev.signature(i)))
      return Status::Rejected("event " + std::to_string(ev.event().seq()) + ": signature " +
                              std::to_string(i) + " by " + EncodeNpub(signers[i]) +
                              " does not verify");
  }
  return Status::OK();
}

}  // namespace custody
