#include "rules/rule_set.h"

#include <algorithm>

#include "ledger/base/encoding.h"
#include "ledger/base/secrets.h"
#include "ledger/payload_types.h"
#include "projections/runbook.h"
#include "projections/status.h"

namespace custody {
namespace {

using K = RuleKind;

// The rules table (docs/rules.md): one entry per rule, in its order. The
// framing and schema (R1) and signature (R2) rules are ledger/event.cc's
// CheckBody and VerifySignatures, run on every event before it reaches here.
constexpr Rule kFraming{"R1", "framing and schema", K::kIntegrity, 3};
constexpr Rule kSignatures{"R2", "signatures", K::kIntegrity, 3};
constexpr Rule kChain{"R3", "sequence, ledger id and previous id", K::kIntegrity, 3};
constexpr Rule kTimes{"R4", "recorded time never decreases", K::kIntegrity, 3};
constexpr Rule kClock{"R5", "recorded time not ahead of the clock", K::kIntegrity, 3};
constexpr Rule kBackLinks{"R6", "per-user back-links", K::kIntegrity, 3};
constexpr Rule kDeclared{"R7", "an incident named is a declared one", K::kIntegrity, 3};
constexpr Rule kReferences{"R8", "references name the event at that sequence number", K::kIntegrity,
                           3};
constexpr Rule kPermissions{"R9", "the author holds a role that may append it", K::kIntegrity, 3};
constexpr Rule kMembership{"R10", "membership and key lifecycle", K::kIntegrity, 3};
constexpr Rule kCorrections{"R11", "corrections", K::kIntegrity, 3};
constexpr Rule kCheckpoints{"R12", "a checkpoint signs the tree of the events before it",
                            K::kIntegrity, 3};
constexpr Rule kExports{"R13", "an export names a stored checkpoint", K::kIntegrity, 3};
constexpr Rule kEvidence{"R14", "evidence content has one size", K::kIntegrity, 3};
constexpr Rule kKeyReturn{"R15", "a key rotated out never returns", K::kIntegrity, 4};
constexpr Rule kSecrets{"P1", "no secret key or NWC secret", K::kPolicy, 3};
constexpr Rule kBeforeDeclaration{"P2", "nothing before the declaration", K::kPolicy, 3};
constexpr Rule kOpen{"P3", "an open incident (a closed one for the PIR)", K::kPolicy, 3};
constexpr Rule kClosedCorrections{"P4",
                                  "after the close, only the close and the PIR's records "
                                  "are corrected",
                                  K::kPolicy, 3};
constexpr Rule kSuperseded{"P5", "a superseded event is not corrected again", K::kPolicy, 3};
constexpr Rule kPlaybook{"P6", "an active playbook", K::kPolicy, 3};
constexpr Rule kSteps{"P7", "a runbook step, recorded by its event type", K::kPolicy, 3};
constexpr Rule kNoOp{"P8", "a change changes something", K::kPolicy, 3};
constexpr Rule kCommanderRole{"P9", "the commander is a commander or admin member", K::kPolicy, 3};
constexpr Rule kClose{"P10", "a close needs its exit criteria or an override", K::kPolicy, 3};
constexpr Rule kStableSince{"P11", "a stable state observed during the incident", K::kPolicy, 3};

std::string Where(uint64_t seq) { return "event " + std::to_string(seq) + ": "; }
Status Reject(uint64_t seq, const std::string& why) { return Status::Rejected(Where(seq) + why); }

bool IsPirRecord(const fb::Event& e) {
  return e.payload_type() == fb::Payload::PirPublished || StepOf(e).rfind("pir.", 0) == 0;
}

}  // namespace

EventInfo InfoOf(const fb::Event& e, const Hash32& id) {
  return EventInfo{id, e.incident(), e.payload_type(), RolesAllowedToAppend(e), IsPirRecord(e)};
}

// What the runbook rules read of one incident, kept as its events arrive.
struct RuleSet::Incident {
  IncidentState state;  // the fold status evaluates (projections/incident.h)
  TimeNs declared_ns = 0;
  uint8_t declared_playbooks = 0;
  std::vector<uint64_t> closes;
  std::vector<std::pair<uint64_t, uint8_t>> activations;   // (seq, playbook bits)
  std::vector<std::pair<uint64_t, uint64_t>> corrections;  // (seq, target)
  std::set<uint64_t> superseded;

  static Incident From(IncidentState s) {
    Incident in;
    in.state = std::move(s);
    for (const Act& a : in.state.acts) in.Note(a);
    return in;
  }
  void Add(const fb::Event& e) {
    const size_t acts = state.acts.size();
    ApplyEvent(e, &state);
    if (state.acts.size() > acts) Note(state.acts.back());
  }
  bool Closed() const {
    for (uint64_t seq : closes)
      if (!superseded.count(seq)) return true;
    return false;
  }
  uint8_t Playbooks() const {
    uint8_t bits = declared_playbooks;
    for (auto [seq, b] : activations)
      if (!superseded.count(seq)) bits |= b;
    return bits;
  }

 private:
  void Note(const Act& a) {
    if (auto* d = std::get_if<IncidentDeclaredPayload>(&a.payload)) {
      declared_ns = a.occurred_ns;
      declared_playbooks = d->playbooks;
    } else if (std::holds_alternative<ClosePayload>(a.payload)) {
      closes.push_back(a.seq);
    } else if (auto* p = std::get_if<PlaybookPayload>(&a.payload)) {
      activations.push_back({a.seq, p->playbooks});
    }
    if (a.corrects && a.corrects != state.incident) {
      corrections.push_back({a.seq, a.corrects});
      // As status evaluates it: the latest standing correction supersedes its
      // target; a correction itself superseded supersedes nothing.
      superseded.clear();
      for (auto it = corrections.rbegin(); it != corrections.rend(); ++it)
        if (!superseded.count(it->first)) superseded.insert(it->second);
    }
  }
};

// The checks of one event against the state before it, rule by rule.
class RuleSet::Checker {
 public:
  Checker(RuleSet* s, const fb::Event& e, ByteSpan body, TimeNs now, std::vector<Finding>* findings)
      : s_(*s), e_(e), body_(body), now_(now), seq_(e.seq()), findings_(findings) {}

  Status Run();

 private:
  // A broken rule: true to go on (reported as a finding), false to stop.
  bool Broke(const Rule& rule, Status status) {
    const uint32_t format = seq_ == 0 ? e_.payload_as_Genesis()->storage_format() : s_.format_;
    if (findings_ && (rule.kind == K::kPolicy || rule.since_format > format)) {
      findings_->push_back({seq_, &rule, status.message()});
      return true;
    }
    stop_ = std::move(status);
    return false;
  }
  Status Chain();
  Status BackLinks();
  Status Declared();
  Status References();
  Status Corrections();
  Status Checkpoint();
  Status Export();
  Status Evidence();
  Status KeyReturn();
  // The runbook's preconditions, for an event acting on an incident.
  Status Runbook(const Rule** broken);
  Status Step(const Incident& in, const Rule** broken);
  Status Change(const Incident& in, const Rule** broken);
  Status Close(const Incident& in);

  RuleSet& s_;
  const fb::Event& e_;
  ByteSpan body_;
  TimeNs now_;
  uint64_t seq_;
  std::vector<Finding>* findings_;
  Status stop_;
};

#define CUSTODY_RULE(rule, expr)                                        \
  do {                                                                  \
    ::custody::Status _rule_status = (expr);                            \
    if (!_rule_status.ok()) {                                           \
      if (!_rule_status.IsRejected() && !_rule_status.IsUnauthorized()) \
        return _rule_status; /* a lookup failed: not a rule */          \
      if (!Broke(rule, std::move(_rule_status))) return stop_;          \
    }                                                                   \
  } while (0)

Status RuleSet::Checker::Run() {
  CUSTODY_RULE(kChain, Chain());
  if (seq_ > 0)
    CUSTODY_RULE(kTimes, e_.recorded_ns() >= s_.head_.last_recorded_ns
                             ? Status::OK()
                             : Reject(seq_, "recorded time " + FormatTime(e_.recorded_ns()) +
                                                " is before the previous event's " +
                                                FormatTime(s_.head_.last_recorded_ns)));
  // A recorded time from the future would also lock every honest writer out.
  CUSTODY_RULE(kClock, e_.recorded_ns() <= now_ + kMaxOccurredAhead
                           ? Status::OK()
                           : Reject(seq_, "recorded time " + FormatTime(e_.recorded_ns()) +
                                              " is in the future"));
  CUSTODY_RULE(kBackLinks, BackLinks());
  CUSTODY_RULE(kDeclared, Declared());
  CUSTODY_RULE(kReferences, References());
  Status members = s_.members_.Check(e_);
  CUSTODY_RULE(members.IsUnauthorized() ? kPermissions : kMembership, members);
  CUSTODY_RULE(kKeyReturn, KeyReturn());
  CUSTODY_RULE(kCorrections, Corrections());
  CUSTODY_RULE(kCheckpoints, Checkpoint());
  CUSTODY_RULE(kExports, Export());
  CUSTODY_RULE(kEvidence, Evidence());
  // SPEC: DESIGN.md — no secret is ever recorded, whatever field it is in.
  Status secret = RefuseSecrets(Where(seq_) + "the event", AsStringView(body_));
  CUSTODY_RULE(kSecrets, secret.ok() ? secret : Status::Rejected(secret.message()));
  const Rule* broken = nullptr;
  Status runbook = Runbook(&broken);
  if (!runbook.ok() && broken == nullptr) return runbook;  // a lookup failed
  if (broken) CUSTODY_RULE(*broken, runbook);
  return Status::OK();
}

Status RuleSet::Checker::Chain() {
  const ChainHead& head = s_.head_;
  if (seq_ != head.next_seq)
    return Reject(seq_, "out of sequence (expected " + std::to_string(head.next_seq) + ")");
  if (seq_ == 0) {
    const uint32_t format = e_.payload_as_Genesis()->storage_format();
    if (format < kOldestStorageFormat || format > kStorageFormat)
      return Reject(0, "genesis says storage format " + std::to_string(format) +
                           "; this custody reads formats " + std::to_string(kOldestStorageFormat) +
                           " to " + std::to_string(kStorageFormat));
    return Status::OK();
  }
  if (ToHash(e_.ledger_id()) != head.ledger_id)
    return Reject(
        seq_, "belongs to another ledger (ledger id " + EncodeHex(ToHash(e_.ledger_id())) + ")");
  if (ToHash(e_.prev_id()) != head.last_id) return Reject(seq_, "prev id mismatch");
  return Status::OK();
}

Status RuleSet::Checker::BackLinks() {
  if (auto* subjects = e_.subjects()) {
    for (auto* link : *subjects) {
      auto last = s_.LastAbout(ToHash(&link->key()));
      if (!last.ok()) return last.status();
      if (link->prev_seq() != *last)
        return Reject(seq_, "back-link for " + EncodeNpub(ToHash(&link->key())) + " is " +
                                std::to_string(link->prev_seq()) + ", expected " +
                                std::to_string(*last));
    }
  }
  return Status::OK();
}

Status RuleSet::Checker::Declared() {
  const uint64_t incident = e_.incident();
  if (incident == 0 || s_.incidents_.count(incident)) return Status::OK();
  bool declared = false;
  if (s_.lookup_.is_incident && incident < s_.head_.next_seq) {
    auto r = s_.lookup_.is_incident(incident);
    if (!r.ok()) return r.status();
    declared = *r;
  }
  if (!declared) return Reject(seq_, IncidentName(incident) + " is not a declared incident");
  s_.incidents_.insert(incident);
  return Status::OK();
}

Status RuleSet::Checker::References() {
  if (auto* refs = e_.references()) {
    for (auto* r : *refs) {
      auto target = s_.Info(r->seq());
      if (!target.ok() && !target.status().IsNotFound()) return target.status();
      if (!target.ok() || target->id != ToHash(&r->id()))
        return Reject(
            seq_, "reference to " + std::to_string(r->seq()) + " does not match that event's id");
    }
  }
  return Status::OK();
}

// A key rotated out is retired: rotating onto it again, or granting it a
// role, would hand a replaced (perhaps stolen) key its roles back.
Status RuleSet::Checker::KeyReturn() {
  Hash32 key{};
  const char* as = nullptr;
  if (auto* r = e_.payload_as_KeyRotated()) {
    key = ToHash(r->new_key());
    as = "the new key";
  } else if (auto* m = e_.payload_as_Membership(); m && m->op() == fb::MemberOp::Grant) {
    key = ToHash(m->member());
    as = "the member";
  } else {
    return Status::OK();
  }
  auto out = s_.RotatedOut(key);
  if (!out.ok()) return out.status();
  if (!*out) return Status::OK();
  return Reject(seq_, std::string(as) + " " + EncodeNpub(key) + " was rotated out by event " +
                          std::to_string(**out) + "; a key rotated out never returns");
}

Status RuleSet::Checker::Corrections() {
  const fb::Reference* ref = CorrectsOf(e_);
  if (!ref) return Status::OK();
  auto t = s_.Info(ref->seq());  // References() found it
  if (!t.ok()) return t.status();
  if (IsMembershipType(t->type))
    return Reject(seq_, "membership and key events cannot be corrected, only followed by new ones");
  const std::string target_is =
      "event " + std::to_string(ref->seq()) + " is a " + std::string(PayloadTypeName(t->type));
  if (t->incident == 0 || t->incident != e_.incident())
    return Reject(seq_, "a correction stays within the incident of the event it corrects (" +
                            target_is +
                            (t->incident ? " of " + IncidentName(t->incident)
                                         : std::string(" outside any incident")) +
                            ")");
  if (e_.payload_type() != fb::Payload::Correction && e_.payload_type() != t->type)
    return Reject(seq_, "a replacement has the type of the event it replaces (" + target_is + ")");
  // Correcting an event is deciding it again: only a role that may append
  // that event may correct it (an external message: admin or commander).
  if ((s_.members_.RolesOf(ToHash(e_.author())) & t->may_append) == 0)
    return Status::Unauthorized(Where(seq_) + "only a role that may append a " +
                                std::string(PayloadTypeName(t->type)) + " may correct it");
  return Status::OK();
}

Status RuleSet::Checker::Checkpoint() {
  if (e_.payload_type() != fb::Payload::Checkpoint) return Status::OK();
  auto* cp = e_.payload_as_Checkpoint();
  if (!s_.lookup_.tree_root) return Status::IOError("rule set: no Merkle tree to check against");
  auto root = s_.lookup_.tree_root(cp->size());
  if (!root.ok()) return root.status();
  if (*root != ToHash(cp->root()))
    return Reject(seq_, "checkpoint root is not the root of the " + std::to_string(cp->size()) +
                            " events before it");
  return Status::OK();
}

Status RuleSet::Checker::Export() {
  if (e_.payload_type() != fb::Payload::ExportPerformed) return Status::OK();
  auto* x = e_.payload_as_ExportPerformed();
  std::optional<Hash32> root;
  if (auto it = s_.checkpoints_.find(x->checkpoint_size()); it != s_.checkpoints_.end()) {
    root = it->second;
  } else if (s_.lookup_.checkpoint_root) {
    auto stored = s_.lookup_.checkpoint_root(x->checkpoint_size());
    if (!stored.ok()) return stored.status();
    root = *stored;
  }
  if (!root || *root != ToHash(x->checkpoint_root()))
    return Reject(seq_, "export names checkpoint " + std::to_string(x->checkpoint_size()) +
                            ", which the ledger does not hold with that root");
  return Status::OK();
}

Status RuleSet::Checker::Evidence() {
  Hash32 hash{};
  uint64_t size = 0;
  if (!BlobOf(e_, &hash, &size)) return Status::OK();
  std::optional<uint64_t> known;
  if (auto it = s_.blob_sizes_.find(hash); it != s_.blob_sizes_.end()) {
    known = it->second;
  } else if (s_.lookup_.blob_size) {
    auto stored = s_.lookup_.blob_size(hash);
    if (!stored.ok()) return stored.status();
    known = *stored;
  }
  if (known && *known != size)
    return Reject(seq_, "content " + EncodeHex(hash) + " is attached with size " +
                            std::to_string(*known) + " already, not " + std::to_string(size));
  return Status::OK();
}

Status RuleSet::Checker::Runbook(const Rule** broken) {
  const fb::Payload type = e_.payload_type();
  if (!IsIncidentActionType(type)) return Status::OK();
  auto found = s_.IncidentOf(e_.incident());
  if (!found.ok()) return found.status();
  const Incident& in = **found;
  const std::string inc = IncidentName(e_.incident());
  auto fail = [&](const Rule& rule, const std::string& why) {
    *broken = &rule;
    return Reject(seq_, why);
  };
  // The runbook's actions answer the incident: none happens before it was declared.
  if (e_.occurred_ns() < in.declared_ns)
    return fail(kBeforeDeclaration, "occurred " + FormatTime(e_.occurred_ns()) + ", before " + inc +
                                        " was declared (" + FormatTime(in.declared_ns) + ")");
  const bool closed = in.Closed();
  if (type == fb::Payload::Correction || CorrectsOf(e_)) {
    const fb::Reference* ref = CorrectsOf(e_);
    if (in.superseded.count(ref->seq()))
      return fail(kSuperseded, "event " + std::to_string(ref->seq()) +
                                   " is already superseded; correct what superseded it");
    auto t = s_.Info(ref->seq());
    if (!t.ok()) return t.status();
    if (closed && t->type != fb::Payload::IncidentClosed && !t->pir_record)
      return fail(kClosedCorrections,
                  inc + " is closed; retract the close first to reopen it, then correct event " +
                      std::to_string(ref->seq()));
  }
  if (type != fb::Payload::Correction) {
    if (IsPirRecord(e_) && !closed) return fail(kOpen, inc + " is open; the PIR follows the close");
    if (!IsPirRecord(e_) && closed)
      return fail(kOpen, inc +
                             " is closed; after a close come the PIR and its steps, notes, "
                             "evidence, deploy hashes and corrections");
  }
  CUSTODY_RETURN_IF_ERROR(Step(in, broken));
  CUSTODY_RETURN_IF_ERROR(Change(in, broken));
  if (type == fb::Payload::IncidentClosed) {
    Status s = Close(in);
    if (!s.ok()) *broken = &kClose;
    return s;
  }
  return Status::OK();
}

Status RuleSet::Checker::Step(const Incident& in, const Rule** broken) {
  const std::string step = StepOf(e_);
  if (step.empty()) return Status::OK();
  auto fail = [&](const Rule& rule, const std::string& why) {
    *broken = &rule;
    return Reject(seq_, why);
  };
  const custody::Runbook& rb = CurrentRunbook();
  const RunbookStep* known = rb.FindStep(step);
  if (!known) return fail(kSteps, "step " + step + " is not in the runbook");
  const fb::Payload by = RecordedBy(step);
  if (by == fb::Payload::NONE)
    return fail(kSteps, "step " + step + " is not recorded: it holds by the events it judges");
  if (by != e_.payload_type())
    return fail(kSteps, "step " + step + " is recorded by a " + std::string(PayloadTypeName(by)) +
                            " event, not a " + std::string(PayloadTypeName(e_.payload_type())));
  if (auto* r = e_.payload_as_SecretRotated()) {
    const bool key = r->new_key() != nullptr, label = r->label() != nullptr;
    const bool subject = e_.subjects() && e_.subjects()->size() > 0;
    if (step == "A.1" && (!key || label))
      return fail(kSteps, "step A.1 records the new service key, and no secret label");
    if (step == "B.3" && !subject)
      return fail(kSteps, "step B.3 names the user whose wallet key or card secret is rotated");
    if (step == "C.1" && (!label || key || !subject))
      return fail(kSteps, "step C.1 names the user and the new secret's label, and no key");
  }
  const RunbookSection* section = rb.FindSection(known->section);
  if (section->applies == "playbook") {
    auto bit = ParsePlaybook(section->id);
    if (bit.ok() && !(in.Playbooks() & *bit))
      return fail(kPlaybook,
                  "playbook " + section->id + " is not active for " + IncidentName(e_.incident()));
  }
  if (auto* done = e_.payload_as_StepDone(); done && step == "exit.4") {
    // A stable state is observed during the incident: not since before it.
    if (done->stable_since_ns() < in.declared_ns)
      return fail(kStableSince, "stable since " + FormatTime(done->stable_since_ns()) +
                                    ", before " + IncidentName(e_.incident()) + " was declared (" +
                                    FormatTime(in.declared_ns) + ")");
  }
  return Status::OK();
}

Status RuleSet::Checker::Change(const Incident& in, const Rule** broken) {
  const fb::Payload type = e_.payload_type();
  const std::string inc = IncidentName(e_.incident());
  auto fail = [&](const Rule& rule, const std::string& why) {
    *broken = &rule;
    return Reject(seq_, why);
  };
  if (auto* c = e_.payload_as_CommanderAssigned()) {
    const Hash32 key = ToHash(c->commander());
    if ((s_.members_.RolesOf(key) & (kCommander | kAdmin)) == 0 || s_.members_.IsCompromised(key))
      return fail(kCommanderRole,
                  EncodeNpub(key) + " is not a member with the commander or admin role");
  }
  // A replacement decides again; anything else must change something.
  if (CorrectsOf(e_)) return Status::OK();
  if (auto* p = e_.payload_as_PlaybookActivated()) {
    const uint8_t bits = static_cast<uint8_t>(p->playbooks());
    if ((bits & ~in.Playbooks()) == 0)
      return fail(kNoOp, "playbook " + PlaybookNames(bits) + " is already active for " + inc);
    return Status::OK();
  }
  if (type != fb::Payload::CommanderAssigned && type != fb::Payload::SeverityChanged &&
      type != fb::Payload::OperationFrozen && type != fb::Payload::OperationUnfrozen)
    return Status::OK();
  // Judged on the incident's standing as status shows it.
  const IncidentStatus st = EvaluateStanding(in.state, CurrentRunbook(), e_.recorded_ns());
  if (auto* c = e_.payload_as_CommanderAssigned(); c && st.commander == ToHash(c->commander()))
    return fail(kNoOp, EncodeNpub(ToHash(c->commander())) + " is already the commander of " + inc);
  if (auto* v = e_.payload_as_SeverityChanged(); v && st.severity == v->severity())
    return fail(kNoOp, inc + " is already " + SeverityName(v->severity()));
  auto frozen = [&](const flatbuffers::String* op) {
    for (const Frozen& f : st.frozen)
      if (op && f.operation == op->string_view()) return true;
    return false;
  };
  if (auto* f = e_.payload_as_OperationFrozen(); f && frozen(f->operation()))
    return fail(kNoOp, f->operation()->str() + " is already frozen in " + inc);
  if (auto* u = e_.payload_as_OperationUnfrozen(); u && !frozen(u->operation()))
    return fail(kNoOp, u->operation()->str() + " is not frozen in " + inc);
  return Status::OK();
}

Status RuleSet::Checker::Close(const Incident& in) {
  // exit.1 holds with the root cause the close gives; the others must hold
  // when the close occurs (a close dated earlier is judged on what had
  // happened by then).
  const IncidentStatus at = Evaluate(in.state, CurrentRunbook(), e_.occurred_ns());
  std::string unmet;
  for (const Criterion& c : at.exit)
    if (!c.holds && c.id != "exit.1")
      unmet += (unmet.empty() ? "" : "; ") + c.id + " not met (" + c.why + ")";
  const bool overridden = e_.payload_as_IncidentClosed()->override_reason() != nullptr;
  if (!unmet.empty() && !overridden)
    return Reject(seq_, IncidentName(e_.incident()) + " cannot close: " + unmet +
                            "; meet them, or close with an override reason (recorded)");
  if (unmet.empty() && overridden)
    return Reject(seq_,
                  "every exit criterion holds; a close with an override needs one that "
                  "does not");
  return Status::OK();
}

#undef CUSTODY_RULE

RuleSet::RuleSet(ChainHead head, MemberState members, uint32_t format, Lookup lookup)
    : head_(head),
      members_(std::move(members)),
      format_(format),
      lookup_(std::move(lookup)),
      infos_base_(head.next_seq) {}

Result<uint64_t> RuleSet::LastAbout(const Hash32& user) {
  auto it = last_about_.find(user);
  if (it != last_about_.end()) return it->second;
  if (!lookup_.last_about) return uint64_t{0};
  auto stored = lookup_.last_about(user);
  if (stored.ok()) last_about_[user] = *stored;
  return stored;
}

Result<std::optional<uint64_t>> RuleSet::RotatedOut(const Hash32& key) {
  auto it = rotated_out_.find(key);
  if (it != rotated_out_.end()) return std::optional<uint64_t>(it->second);
  if (!lookup_.rotated_out) return std::optional<uint64_t>();
  auto stored = lookup_.rotated_out(key);
  if (stored.ok() && *stored) rotated_out_[key] = **stored;
  return stored;
}

Result<EventInfo> RuleSet::Info(uint64_t seq) {
  if (seq >= infos_base_ && seq - infos_base_ < infos_.size()) return infos_[seq - infos_base_];
  if (seq < head_.next_seq && lookup_.event) return lookup_.event(seq);
  return Status::NotFound("event " + std::to_string(seq) + ": not in the ledger");
}

Result<RuleSet::Incident*> RuleSet::IncidentOf(uint64_t incident) {
  auto it = incident_states_.find(incident);
  if (it == incident_states_.end()) {
    if (!lookup_.incident)
      return Status::NotFound(IncidentName(incident) + " is not a declared incident");
    auto state = lookup_.incident(incident);
    if (!state.ok()) return state.status();
    it = incident_states_
             .emplace(incident, std::make_shared<Incident>(Incident::From(std::move(*state))))
             .first;
  }
  // Copies of this RuleSet share incidents until one of them changes it.
  if (it->second.use_count() > 1) it->second = std::make_shared<Incident>(*it->second);
  return it->second.get();
}

Status RuleSet::Append(const fb::Event& e, ByteSpan body, const Hash32& id, TimeNs now_ns,
                       std::vector<Finding>* findings) {
  Checker checker(this, e, body, now_ns, findings);
  CUSTODY_RETURN_IF_ERROR(checker.Run());
  // The incident of a projected event must be loaded before it is applied,
  // so that what this state holds of an incident is complete.
  const uint64_t incident = ::custody::IncidentOf(e);
  if (incident != 0 && incident != e.seq() && KeptInProjection(e.payload_type())) {
    auto in = IncidentOf(incident);
    if (!in.ok()) return in.status();
  }
  Apply(e, id);
  return Status::OK();
}

void RuleSet::Apply(const fb::Event& e, const Hash32& id) {
  const uint64_t seq = e.seq();
  members_.Apply(e);
  if (e.payload_type() == fb::Payload::KeyRotated) rotated_out_[ToHash(e.author())] = seq;
  if (auto* subjects = e.subjects())
    for (auto* s : *subjects) last_about_[ToHash(&s->key())] = seq;
  if (e.payload_type() == fb::Payload::IncidentDeclared) {
    incidents_.insert(seq);
    IncidentState s;
    s.incident = seq;
    auto in = std::make_shared<Incident>(Incident::From(std::move(s)));
    in->Add(e);
    incident_states_[seq] = std::move(in);
  } else if (e.incident() != 0) {
    auto it = incident_states_.find(e.incident());
    if (it != incident_states_.end()) {
      if (it->second.use_count() > 1) it->second = std::make_shared<Incident>(*it->second);
      it->second->Add(e);
    }
  }
  if (auto* cp = e.payload_as_Checkpoint()) checkpoints_[cp->size()] = ToHash(cp->root());
  Hash32 hash{};
  uint64_t size = 0;
  if (BlobOf(e, &hash, &size)) blob_sizes_.emplace(hash, size);
  if (infos_.empty()) infos_base_ = seq;
  infos_.push_back(InfoOf(e, id));
  if (seq == 0) {
    head_.ledger_id = id;
    head_.genesis_admin = ToHash(e.author());
    format_ = e.payload_as_Genesis()->storage_format();
  }
  head_.next_seq = seq + 1;
  head_.last_id = id;
  head_.last_recorded_ns = e.recorded_ns();
}

void RuleSet::ForgetBefore(uint64_t seq) {
  // Only what a lookup answers is forgotten: without lookups (a package, a
  // test) everything stays in memory.
  if (lookup_.event && seq > infos_base_) {
    const uint64_t drop = std::min<uint64_t>(seq - infos_base_, infos_.size());
    infos_.erase(infos_.begin(), infos_.begin() + static_cast<ptrdiff_t>(drop));
    infos_base_ += drop;
  }
  if (seq >= head_.next_seq) {  // everything is written: the lookups answer
    if (lookup_.checkpoint_root) checkpoints_.clear();
    if (lookup_.blob_size) blob_sizes_.clear();
  }
}

void RuleSet::ForEachIncident(const std::function<void(const IncidentState&)>& fn) const {
  for (const auto& [incident, in] : incident_states_) fn(in->state);
}

const std::vector<const Rule*>& RuleSet::All() {
  static const std::vector<const Rule*> kAll = {&kFraming,
                                                &kSignatures,
                                                &kChain,
                                                &kTimes,
                                                &kClock,
                                                &kBackLinks,
                                                &kDeclared,
                                                &kReferences,
                                                &kPermissions,
                                                &kMembership,
                                                &kCorrections,
                                                &kCheckpoints,
                                                &kExports,
                                                &kEvidence,
                                                &kKeyReturn,
                                                &kSecrets,
                                                &kBeforeDeclaration,
                                                &kOpen,
                                                &kClosedCorrections,
                                                &kSuperseded,
                                                &kPlaybook,
                                                &kSteps,
                                                &kNoOp,
                                                &kCommanderRole,
                                                &kClose,
                                                &kStableSince};
  return kAll;
}

}  // namespace custody
