#include "projections/render.h"

#include "ledger/base/encoding.h"
#include "ledger/membership.h"

namespace custody {
namespace {

std::string_view RelationName(fb::Relation r) {
  switch (r) {
    case fb::Relation::Cites:
      return "cites";
    case fb::Relation::Answers:
      return "answers";
    case fb::Relation::Corrects:
      return "corrects";
  }
  return "unknown";
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
// Text written by people, for a terminal: see Printable.
std::string Text(const flatbuffers::String* s) { return Printable(Str(s)); }
nlohmann::ordered_json OptJson(const flatbuffers::String* s) {
  return s ? nlohmann::ordered_json(Str(s)) : nlohmann::ordered_json(nullptr);
}
// ": note" when there is one.
std::string Suffix(const flatbuffers::String* s) { return s ? ": " + Text(s) : ""; }

// "1,250 sat".
std::string Amount(uint64_t v, const std::string& unit) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + " " + unit;
}

// " npub1…, npub1…" (with a lead-in) for the event's subjects; "" if none.
std::string Subjects(const fb::Event& e, const std::string& lead) {
  if (!e.subjects() || e.subjects()->size() == 0) return "";
  std::string out = lead;
  for (size_t i = 0; i < e.subjects()->size(); ++i)
    out += (i ? ", " : "") + EncodeNpub(ToHash(&e.subjects()->Get(i)->key()));
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view s, bool breaks) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\r':
      case '\n':
        if (!breaks) {
          out += c;
          break;
        }
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        out += "<br>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> Discrepancies(const ReconciliationPayload& r) {
  std::vector<std::string> out;
  if (r.sender_balance != r.sender_proofs)
    out.push_back("sender balance " + Amount(r.sender_balance, r.unit) + " vs proofs " +
                  Amount(r.sender_proofs, r.unit));
  if (r.receiver_balance != r.receiver_proofs)
    out.push_back("receiver balance " + Amount(r.receiver_balance, r.unit) + " vs proofs " +
                  Amount(r.receiver_proofs, r.unit));
  if (r.tx_sent != r.tx_received)
    out.push_back("tx history sent " + Amount(r.tx_sent, r.unit) + " vs received " +
                  Amount(r.tx_received, r.unit));
  return out;
}

std::string ShortNpub(const Hash32& key) { return ShortNpubText(EncodeNpub(key)); }

std::string ShortNpubText(const std::string& npub) {
  return npub.size() > 17 ? npub.substr(0, 13) + "…" + npub.substr(npub.size() - 4) : npub;
}

std::string ShortNpubList(const std::vector<std::string>& npubs) {
  std::string out;
  for (const auto& n : npubs) {
    if (!out.empty()) out += ", ";
    out += ShortNpubText(n);
  }
  return out;
}

namespace {

// --- Each payload type's renderings, one row per type ----------------------
// (ledger/payload_types.cc has the rest of what each type is.)

nlohmann::ordered_json JsonGenesis(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* g = e.payload_as_Genesis();
  p["name"] = Str(g->name());
  p["storage_format"] = g->storage_format();
  return p;
}

nlohmann::ordered_json JsonMembership(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* m = e.payload_as_Membership();
  p["member"] = EncodeNpub(ToHash(m->member()));
  p["op"] = m->op() == fb::MemberOp::Grant ? "grant" : "revoke";
  uint32_t roles = static_cast<uint32_t>(m->roles());
  p["roles"] = nlohmann::ordered_json::array();
  for (uint32_t bit = 1; bit <= kAuditor; bit <<= 1)
    if (roles & bit) p["roles"].push_back(std::string(RoleName(bit)));
  return p;
}

nlohmann::ordered_json JsonKeyRotated(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["old_key"] = EncodeNpub(ToHash(e.author()));
  p["new_key"] = EncodeNpub(ToHash(e.payload_as_KeyRotated()->new_key()));
  return p;
}

nlohmann::ordered_json JsonKeyCompromised(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* k = e.payload_as_KeyCompromised();
  p["key"] = EncodeNpub(ToHash(k->key()));
  p["since"] = FormatTime(k->since_ns());
  p["reason"] = Str(k->reason());
  return p;
}

nlohmann::ordered_json JsonNote(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["text"] = Str(e.payload_as_Note()->text());
  return p;
}

nlohmann::ordered_json JsonCheckpoint(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* c = e.payload_as_Checkpoint();
  p["size"] = c->size();
  p["root"] = EncodeHex(ToHash(c->root()));
  p["note"] = Str(c->note());
  p["nostr"] = Str(c->nostr());
  return p;
}

nlohmann::ordered_json JsonIncidentDeclared(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* d = e.payload_as_IncidentDeclared();
  p["severity"] = SeverityName(d->severity());
  p["title"] = Str(d->title());
  p["summary"] = d->summary() ? nlohmann::ordered_json(Str(d->summary())) : nullptr;
  p["playbooks"] = nlohmann::ordered_json::array();
  for (char c : PlaybookNames(static_cast<uint8_t>(d->playbooks())))
    p["playbooks"].push_back(std::string(1, c));
  p["runbook"] = EncodeHex(ToHash(d->runbook()));
  p["observation_window_minutes"] = d->observation_window_minutes()
                                        ? nlohmann::ordered_json(d->observation_window_minutes())
                                        : nullptr;
  return p;
}

nlohmann::ordered_json JsonEvidenceAttached(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* v = e.payload_as_EvidenceAttached();
  p["sha256"] = EncodeHex(ToHash(v->sha256()));
  p["size"] = v->size();
  p["media_type"] = Str(v->media_type());
  p["name"] = Str(v->name());
  p["kind"] = std::string(EvidenceKindName(v->kind()));
  p["acquired"] = FormatTime(v->acquired_ns());
  p["source"] = v->source() ? nlohmann::ordered_json(Str(v->source())) : nullptr;
  return p;
}

nlohmann::ordered_json JsonDeployRecorded(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* d = e.payload_as_DeployRecorded();
  p["service"] = Str(d->service());
  p["commit"] = d->commit() ? EncodeHex(ByteSpan(d->commit()->data(), d->commit()->size())) : "";
  p["deployed"] = d->deployed_ns() ? nlohmann::ordered_json(FormatTime(d->deployed_ns())) : nullptr;
  p["repo"] = d->repo() ? nlohmann::ordered_json(Str(d->repo())) : nullptr;
  return p;
}

nlohmann::ordered_json JsonExportPerformed(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* x = e.payload_as_ExportPerformed();
  p["scope"] = x->scope() == fb::ExportScope::User ? "user" : "incident";
  p["user"] = x->user() ? nlohmann::ordered_json(EncodeNpub(ToHash(x->user()))) : nullptr;
  p["checkpoint_size"] = x->checkpoint_size();
  p["checkpoint_root"] = EncodeHex(ToHash(x->checkpoint_root()));
  p["tagmanifest_sha256"] = EncodeHex(ToHash(x->tagmanifest_sha256()));
  p["events"] = x->events();
  p["shared_blobs"] = x->shared_blobs();
  return p;
}

nlohmann::ordered_json JsonPlaybookActivated(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["playbooks"] = nlohmann::ordered_json::array();
  for (char c : PlaybookNames(static_cast<uint8_t>(e.payload_as_PlaybookActivated()->playbooks())))
    p["playbooks"].push_back(std::string(1, c));
  return p;
}

nlohmann::ordered_json JsonCommanderAssigned(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["commander"] = EncodeNpub(ToHash(e.payload_as_CommanderAssigned()->commander()));
  return p;
}

nlohmann::ordered_json JsonSeverityChanged(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["severity"] = SeverityName(e.payload_as_SeverityChanged()->severity());
  p["reason"] = Str(e.payload_as_SeverityChanged()->reason());
  return p;
}

nlohmann::ordered_json JsonOperationFrozen(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["operation"] = Str(e.payload_as_OperationFrozen()->operation());
  p["reason"] = Str(e.payload_as_OperationFrozen()->reason());
  return p;
}

nlohmann::ordered_json JsonOperationUnfrozen(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["operation"] = Str(e.payload_as_OperationUnfrozen()->operation());
  p["reason"] = OptJson(e.payload_as_OperationUnfrozen()->reason());
  return p;
}

nlohmann::ordered_json JsonSecretRotated(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* r = e.payload_as_SecretRotated();
  p["step"] = Str(r->step());
  p["new_key"] = r->new_key() ? nlohmann::ordered_json(EncodeNpub(ToHash(r->new_key()))) : nullptr;
  p["label"] = OptJson(r->label());
  p["note"] = OptJson(r->note());
  return p;
}

nlohmann::ordered_json JsonPathsInvalidated(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["step"] = Str(e.payload_as_PathsInvalidated()->step());
  p["note"] = OptJson(e.payload_as_PathsInvalidated()->note());
  return p;
}

nlohmann::ordered_json JsonUserNotified(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["step"] = Str(e.payload_as_UserNotified()->step());
  p["channel"] = OptJson(e.payload_as_UserNotified()->channel());
  p["note"] = OptJson(e.payload_as_UserNotified()->note());
  return p;
}

nlohmann::ordered_json JsonActionsBlocked(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["step"] = Str(e.payload_as_ActionsBlocked()->step());
  p["note"] = OptJson(e.payload_as_ActionsBlocked()->note());
  return p;
}

nlohmann::ordered_json JsonStepDone(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* d = e.payload_as_StepDone();
  p["step"] = Str(d->step());
  p["note"] = OptJson(d->note());
  p["stable_since"] =
      d->stable_since_ns() ? nlohmann::ordered_json(FormatTime(d->stable_since_ns())) : nullptr;
  return p;
}

nlohmann::ordered_json JsonReconciliationRecorded(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* r = e.payload_as_ReconciliationRecorded();
  p["unit"] = Str(r->unit());
  p["sender"] = {
      {"wallet", r->sender_wallet() ? nlohmann::ordered_json(EncodeNpub(ToHash(r->sender_wallet())))
                                    : nullptr},
      {"balance", r->sender_balance()},
      {"proofs", r->sender_proofs()}};
  p["receiver"] = {{"wallet", r->receiver_wallet()
                                  ? nlohmann::ordered_json(EncodeNpub(ToHash(r->receiver_wallet())))
                                  : nullptr},
                   {"balance", r->receiver_balance()},
                   {"proofs", r->receiver_proofs()}};
  p["tx_history"] = {
      {"entries", r->tx_entries()}, {"sent", r->tx_sent()}, {"received", r->tx_received()}};
  p["note"] = OptJson(r->note());
  return p;
}

nlohmann::ordered_json JsonCommunicationSent(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* c = e.payload_as_CommunicationSent();
  p["audience"] = std::string(AudienceName(c->audience()));
  p["message"] = OptJson(c->message());
  p["facts"] = OptJson(c->facts());
  p["impact_scope"] = OptJson(c->impact_scope());
  p["user_action"] = OptJson(c->user_action());
  p["next_update"] =
      c->next_update_ns() ? nlohmann::ordered_json(FormatTime(c->next_update_ns())) : nullptr;
  return p;
}

nlohmann::ordered_json JsonRootCauseRecorded(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["text"] = Str(e.payload_as_RootCauseRecorded()->text());
  p["bounded"] = e.payload_as_RootCauseRecorded()->bounded();
  return p;
}

nlohmann::ordered_json JsonIncidentClosed(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["root_cause"] = Str(e.payload_as_IncidentClosed()->root_cause());
  p["override_reason"] = OptJson(e.payload_as_IncidentClosed()->override_reason());
  return p;
}

nlohmann::ordered_json JsonPirPublished(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  auto* v = e.payload_as_PirPublished();
  p["sha256"] = EncodeHex(ToHash(v->sha256()));
  p["size"] = v->size();
  p["media_type"] = Str(v->media_type());
  p["name"] = Str(v->name());
  return p;
}

nlohmann::ordered_json JsonCorrection(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  p["reason"] = Str(e.payload_as_Correction()->reason());
  return p;
}

std::string DescribeGenesis(const fb::Event& e) {
  return "ledger \"" + Text(e.payload_as_Genesis()->name()) + "\" created; " +
         ShortNpub(ToHash(e.author())) + " is its first admin";
}

std::string DescribeMembership(const fb::Event& e) {
  auto* m = e.payload_as_Membership();
  uint32_t roles = static_cast<uint32_t>(m->roles());
  std::string who = ShortNpub(ToHash(m->member()));
  if (m->op() == fb::MemberOp::Grant) return "granted " + RoleNames(roles) + " to " + who;
  return roles ? "revoked " + RoleNames(roles) + " from " + who : "removed " + who + " (all roles)";
}

std::string DescribeKeyRotated(const fb::Event& e) {
  return "rotated key " + ShortNpub(ToHash(e.author())) + " to " +
         ShortNpub(ToHash(e.payload_as_KeyRotated()->new_key()));
}

std::string DescribeKeyCompromised(const fb::Event& e) {
  auto* k = e.payload_as_KeyCompromised();
  return "key " + ShortNpub(ToHash(k->key())) + " compromised since " +
         FormatTimeHuman(k->since_ns()) + ": " + Text(k->reason());
}

std::string DescribeNote(const fb::Event& e) {
  return "note: " + Text(e.payload_as_Note()->text());
}

std::string DescribeCheckpoint(const fb::Event& e) {
  auto* c = e.payload_as_Checkpoint();
  return "checkpoint of the first " + std::to_string(c->size()) + " events, root " +
         EncodeHex(ToHash(c->root())).substr(0, 16) + "…";
}

std::string DescribeIncidentDeclared(const fb::Event& e) {
  auto* d = e.payload_as_IncidentDeclared();
  std::string out = "declared " + IncidentName(e.seq()) + " (" + SeverityName(d->severity()) +
                    "): " + Text(d->title());
  if (d->playbooks() != fb::Playbook::NONE)
    out += "; playbook " + PlaybookNames(static_cast<uint8_t>(d->playbooks())) + " active";
  return out;
}

std::string DescribeEvidenceAttached(const fb::Event& e) {
  auto* v = e.payload_as_EvidenceAttached();
  return std::string(EvidenceKindName(v->kind())) + " snapshot " + Text(v->name()) + " (" +
         std::to_string(v->size()) + " bytes, sha256 " +
         EncodeHex(ToHash(v->sha256())).substr(0, 16) + "…" +
         (v->source() ? ", from " + Text(v->source()) : "") + ")";
}

std::string DescribeDeployRecorded(const fb::Event& e) {
  auto* d = e.payload_as_DeployRecorded();
  std::string commit =
      d->commit() ? EncodeHex(ByteSpan(d->commit()->data(), d->commit()->size())) : "";
  return "deploy of " + Text(d->service()) + " at " + commit.substr(0, 12) +
         (d->deployed_ns() ? ", deployed " + FormatTimeHuman(d->deployed_ns()) : "");
}

std::string DescribeExportPerformed(const fb::Event& e) {
  auto* x = e.payload_as_ExportPerformed();
  std::string what = x->scope() == fb::ExportScope::User ? "user " + ShortNpub(ToHash(x->user()))
                                                         : "incident " + IncidentName(e.incident());
  return "exported the evidence package of " + what + " (" + std::to_string(x->events()) +
         " events, checkpoint " + std::to_string(x->checkpoint_size()) + ")";
}

std::string DescribePlaybookActivated(const fb::Event& e) {
  return "activated playbook " +
         PlaybookNames(static_cast<uint8_t>(e.payload_as_PlaybookActivated()->playbooks()));
}

std::string DescribeCommanderAssigned(const fb::Event& e) {
  return "assigned incident commander " +
         ShortNpub(ToHash(e.payload_as_CommanderAssigned()->commander()));
}

std::string DescribeSeverityChanged(const fb::Event& e) {
  return "changed severity to " + SeverityName(e.payload_as_SeverityChanged()->severity()) + ": " +
         Text(e.payload_as_SeverityChanged()->reason());
}

std::string DescribeOperationFrozen(const fb::Event& e) {
  return "froze " + Text(e.payload_as_OperationFrozen()->operation()) + ": " +
         Text(e.payload_as_OperationFrozen()->reason());
}

std::string DescribeOperationUnfrozen(const fb::Event& e) {
  return "unfroze " + Text(e.payload_as_OperationUnfrozen()->operation()) +
         Suffix(e.payload_as_OperationUnfrozen()->reason());
}

std::string DescribeSecretRotated(const fb::Event& e) {
  auto* r = e.payload_as_SecretRotated();
  std::string out = Text(r->step()) + " rotated";
  if (r->new_key()) out += " to new key " + EncodeNpub(ToHash(r->new_key()));
  if (r->label())
    out +=
        std::string(r->new_key() ? " and" : "") + " to secret version \"" + Text(r->label()) + "\"";
  return out + Subjects(e, " for ") + Suffix(r->note());
}

std::string DescribePathsInvalidated(const fb::Event& e) {
  return Text(e.payload_as_PathsInvalidated()->step()) +
         " invalidated dependent workflows/payloads" +
         Suffix(e.payload_as_PathsInvalidated()->note());
}

std::string DescribeUserNotified(const fb::Event& e) {
  auto* n = e.payload_as_UserNotified();
  return Text(n->step()) + " notified" + Subjects(e, " ") +
         (n->channel() ? " via " + Text(n->channel()) : "") + Suffix(n->note());
}

std::string DescribeActionsBlocked(const fb::Event& e) {
  return Text(e.payload_as_ActionsBlocked()->step()) + " blocked sensitive actions" +
         Subjects(e, " for ") + Suffix(e.payload_as_ActionsBlocked()->note());
}

std::string DescribeStepDone(const fb::Event& e) {
  auto* d = e.payload_as_StepDone();
  std::string out = Text(d->step()) + " done";
  if (d->stable_since_ns()) out += " (stable since " + FormatTimeHuman(d->stable_since_ns()) + ")";
  return out + Suffix(d->note());
}

std::string DescribeReconciliationRecorded(const fb::Event& e) {
  const auto r = std::get<ReconciliationPayload>(DecodeFields(e).payload);
  const auto diffs = Discrepancies(r);
  if (diffs.empty())
    return "reconciliation reconciles (sender " + Amount(r.sender_balance, r.unit) + ", receiver " +
           Amount(r.receiver_balance, r.unit) + ", " + std::to_string(r.tx_entries) +
           " tx entries)";
  std::string out = "reconciliation discrepancy: ";
  for (size_t i = 0; i < diffs.size(); ++i) out += (i ? "; " : "") + diffs[i];
  return out;
}

std::string DescribeCommunicationSent(const fb::Event& e) {
  auto* c = e.payload_as_CommunicationSent();
  if (c->audience() == fb::Audience::Internal) return "internal update: " + Text(c->message());
  return "external message: facts: " + Text(c->facts()) + "; impact: " + Text(c->impact_scope()) +
         "; user action: " + Text(c->user_action()) + "; next update " +
         FormatTimeHuman(c->next_update_ns());
}

std::string DescribeRootCauseRecorded(const fb::Event& e) {
  return std::string(e.payload_as_RootCauseRecorded()->bounded() ? "root cause bounded: "
                                                                 : "root cause identified: ") +
         Text(e.payload_as_RootCauseRecorded()->text());
}

std::string DescribeIncidentClosed(const fb::Event& e) {
  auto* c = e.payload_as_IncidentClosed();
  return "closed " + IncidentName(e.incident()) + "; root cause: " + Text(c->root_cause()) +
         (c->override_reason() ? "; exit criteria overridden: " + Text(c->override_reason()) : "");
}

std::string DescribePirPublished(const fb::Event& e) {
  auto* v = e.payload_as_PirPublished();
  return "published the PIR " + Text(v->name()) + " (" + std::to_string(v->size()) +
         " bytes, sha256 " + EncodeHex(ToHash(v->sha256())).substr(0, 16) + "…)";
}

std::string DescribeCorrection(const fb::Event& e) {
  auto* r = CorrectsOf(e);
  return "retracted #" + std::to_string(r ? r->seq() : 0) + ": " +
         Text(e.payload_as_Correction()->reason());
}

struct Renderer {
  fb::Payload type;
  nlohmann::ordered_json (*json)(const fb::Event& e);  // the payload's --json fields
  std::string (*describe)(const fb::Event& e);         // a human sentence
};

// In the union's order: row i is union value i + 1.
constexpr Renderer kRenderers[] = {
    {fb::Payload::Genesis, JsonGenesis, DescribeGenesis},
    {fb::Payload::Membership, JsonMembership, DescribeMembership},
    {fb::Payload::KeyRotated, JsonKeyRotated, DescribeKeyRotated},
    {fb::Payload::KeyCompromised, JsonKeyCompromised, DescribeKeyCompromised},
    {fb::Payload::Note, JsonNote, DescribeNote},
    {fb::Payload::Checkpoint, JsonCheckpoint, DescribeCheckpoint},
    {fb::Payload::IncidentDeclared, JsonIncidentDeclared, DescribeIncidentDeclared},
    {fb::Payload::EvidenceAttached, JsonEvidenceAttached, DescribeEvidenceAttached},
    {fb::Payload::DeployRecorded, JsonDeployRecorded, DescribeDeployRecorded},
    {fb::Payload::ExportPerformed, JsonExportPerformed, DescribeExportPerformed},
    {fb::Payload::PlaybookActivated, JsonPlaybookActivated, DescribePlaybookActivated},
    {fb::Payload::CommanderAssigned, JsonCommanderAssigned, DescribeCommanderAssigned},
    {fb::Payload::SeverityChanged, JsonSeverityChanged, DescribeSeverityChanged},
    {fb::Payload::OperationFrozen, JsonOperationFrozen, DescribeOperationFrozen},
    {fb::Payload::OperationUnfrozen, JsonOperationUnfrozen, DescribeOperationUnfrozen},
    {fb::Payload::SecretRotated, JsonSecretRotated, DescribeSecretRotated},
    {fb::Payload::PathsInvalidated, JsonPathsInvalidated, DescribePathsInvalidated},
    {fb::Payload::UserNotified, JsonUserNotified, DescribeUserNotified},
    {fb::Payload::ActionsBlocked, JsonActionsBlocked, DescribeActionsBlocked},
    {fb::Payload::StepDone, JsonStepDone, DescribeStepDone},
    {fb::Payload::ReconciliationRecorded, JsonReconciliationRecorded,
     DescribeReconciliationRecorded},
    {fb::Payload::CommunicationSent, JsonCommunicationSent, DescribeCommunicationSent},
    {fb::Payload::RootCauseRecorded, JsonRootCauseRecorded, DescribeRootCauseRecorded},
    {fb::Payload::IncidentClosed, JsonIncidentClosed, DescribeIncidentClosed},
    {fb::Payload::PirPublished, JsonPirPublished, DescribePirPublished},
    {fb::Payload::Correction, JsonCorrection, DescribeCorrection},
};
static_assert(std::size(kRenderers) == static_cast<size_t>(fb::Payload::MAX));
constexpr bool InUnionOrder() {
  for (size_t i = 0; i < std::size(kRenderers); ++i)
    if (static_cast<size_t>(kRenderers[i].type) != i + 1) return false;
  return true;
}
static_assert(InUnionOrder(), "kRenderers rows must follow the union's numbering");

const Renderer* RendererOf(fb::Payload type) {
  const size_t i = static_cast<size_t>(type);
  return i >= 1 && i <= std::size(kRenderers) ? &kRenderers[i - 1] : nullptr;
}

nlohmann::ordered_json PayloadToJson(const fb::Event& e) {
  const Renderer* r = RendererOf(e.payload_type());
  return r ? r->json(e) : nlohmann::ordered_json::object();
}

}  // namespace

std::string DescribeEvent(const fb::Event& e) {
  const Renderer* r = RendererOf(e.payload_type());
  return r ? r->describe(e) : "unknown event";
}

nlohmann::ordered_json EventToJson(const SignedEvent& ev, const Hash32& id) {
  const fb::Event& e = ev.event();
  nlohmann::ordered_json j;
  j["seq"] = e.seq();
  j["id"] = EncodeHex(id);
  j["type"] = std::string(PayloadTypeName(e.payload_type()));
  j["recorded"] = FormatTime(e.recorded_ns());
  j["occurred"] = FormatTime(e.occurred_ns());
  j["author"] = EncodeNpub(ToHash(e.author()));
  j["incident"] = e.incident() ? nlohmann::ordered_json(IncidentName(e.incident())) : nullptr;
  j["subjects"] = nlohmann::ordered_json::array();
  if (e.subjects())
    for (auto* s : *e.subjects())
      j["subjects"].push_back(
          {{"npub", EncodeNpub(ToHash(&s->key()))},
           {"prev_seq", s->prev_seq() ? nlohmann::ordered_json(s->prev_seq()) : nullptr}});
  j["references"] = nlohmann::ordered_json::array();
  if (e.references())
    for (auto* r : *e.references())
      j["references"].push_back({{"id", EncodeHex(ToHash(&r->id()))},
                                 {"seq", r->seq()},
                                 {"relation", std::string(RelationName(r->relation()))}});
  j["summary"] = DescribeEvent(e);
  j["payload"] = PayloadToJson(e);
  j["ledger_id"] = EncodeHex(ToHash(e.ledger_id()));
  j["prev_id"] = EncodeHex(ToHash(e.prev_id()));
  j["signatures"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < ev.signature_count(); ++i)
    j["signatures"].push_back(EncodeHex(ev.signature(i)));
  return j;
}

std::string EventLine(const SignedEvent& ev) {
  const fb::Event& e = ev.event();
  std::string line = "#" + std::to_string(e.seq()) + "  " + FormatTimeHuman(e.recorded_ns()) +
                     "  " + ShortNpub(ToHash(e.author())) + "  ";
  if (e.incident()) line += IncidentName(e.incident()) + "  ";
  line += DescribeEvent(e);
  return line;
}

std::string EventDetail(const SignedEvent& ev, const Hash32& id) {
  const fb::Event& e = ev.event();
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    out += k + std::string(11 - k.size(), ' ') + v + "\n";
  };
  row("event", "#" + std::to_string(e.seq()));
  row("id", EncodeHex(id));
  row("type", std::string(PayloadTypeName(e.payload_type())));
  row("what", DescribeEvent(e));
  row("recorded", FormatTime(e.recorded_ns()));
  row("occurred", FormatTime(e.occurred_ns()));
  row("author", EncodeNpub(ToHash(e.author())));
  if (e.incident()) row("incident", IncidentName(e.incident()));
  if (e.subjects())
    for (auto* s : *e.subjects())
      row("subject",
          EncodeNpub(ToHash(&s->key())) + (s->prev_seq() ? " (previous event about them: #" +
                                                               std::to_string(s->prev_seq()) + ")"
                                                         : " (first event about them)"));
  if (e.references())
    for (auto* r : *e.references())
      row("references", std::string(RelationName(r->relation())) + " #" + std::to_string(r->seq()) +
                            " " + EncodeHex(ToHash(&r->id())));
  row("ledger", EncodeHex(ToHash(e.ledger_id())));
  row("prev id", EncodeHex(ToHash(e.prev_id())));
  for (size_t i = 0; i < ev.signature_count(); ++i) row("signature", EncodeHex(ev.signature(i)));
  return out;
}

// Text inside a table cell or the heading. Backslash-escapes the ASCII punctuation that would
// change how the line renders (CommonMark lets any ASCII punctuation be escaped): `|` would end the
// cell, `~` `*` `_` `` ` `` would start formatting, `[` `]` a link, `<` `>` `&` raw HTML or an
// entity, `#` a heading's closing sequence. A cell is one line, so line breaks become <br>
// (GitHub's table convention) or, in the heading, a space.
std::string MdEscape(std::string_view s, bool breaks) {
  static constexpr std::string_view kSpecial = "\\`*_~[]<>|&#";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += breaks ? "<br>" : " ";
      continue;
    }
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace custody
