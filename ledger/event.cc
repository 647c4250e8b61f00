#include "ledger/event.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/crypto.h"
#include "ledger/event_checks.h"
#include "ledger/payload_types.h"

namespace custody {
namespace {

using flatbuffers::FlatBufferBuilder;
using namespace event_checks;

// An optional string: absent when empty.
flatbuffers::Offset<flatbuffers::String> Opt(FlatBufferBuilder& b, const std::string& s) {
  return s.empty() ? 0 : b.CreateString(s);
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
  const PayloadType* t = FindPayloadType(type);
  return t ? t->name : "unknown";
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
  const PayloadType* t = FindPayloadType(type);
  return t && t->incident_action;
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
  const PayloadType* t = FindPayloadType(type);
  return t && t->membership;
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

bool IsKnownPayloadType(fb::Payload type) { return FindPayloadType(type) != nullptr; }

fb::Payload PayloadTypeOf(const Payload& p) {
  // The variant's alternatives are in the union's order (static_asserts in
  // ledger/payload_types.cc).
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
  f.payload = DecodePayload(e);
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
