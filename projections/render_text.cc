// Renderings for people: each payload type's sentence, an event's one-line
// summary and its detail, short npubs, a reconciliation's discrepancies.
#include "projections/render.h"
#include "projections/render_types.h"

namespace custody {
namespace render {

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
}  // namespace render

std::vector<std::string> Discrepancies(const ReconciliationPayload& r) {
  std::vector<std::string> out;
  if (r.sender_balance != r.sender_proofs)
    out.push_back("sender balance " + render::Amount(r.sender_balance, r.unit) + " vs proofs " +
                  render::Amount(r.sender_proofs, r.unit));
  if (r.receiver_balance != r.receiver_proofs)
    out.push_back("receiver balance " + render::Amount(r.receiver_balance, r.unit) + " vs proofs " +
                  render::Amount(r.receiver_proofs, r.unit));
  if (r.tx_sent != r.tx_received)
    out.push_back("tx history sent " + render::Amount(r.tx_sent, r.unit) + " vs received " +
                  render::Amount(r.tx_received, r.unit));
  return out;
}

std::string ShortNpub(const Hash32& key) { return ShortNpubText(EncodeNpub(key)); }

std::string ShortNpubText(const std::string& npub) {
  if (npub.size() <= 17) return npub;
  std::string out;
  out.reserve(npub.size());  // also keeps g++ 12's false -Warray-bounds quiet
  out.append(npub, 0, 13);
  out.append("…");
  out.append(npub, npub.size() - 4, 4);
  return out;
}

std::string ShortNpubList(const std::vector<std::string>& npubs) {
  std::string out;
  for (const auto& n : npubs) {
    if (!out.empty()) out += ", ";
    out += ShortNpubText(n);
  }
  return out;
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
      row("references", std::string(render::RelationName(r->relation())) + " #" +
                            std::to_string(r->seq()) + " " + EncodeHex(ToHash(&r->id())));
  row("ledger", EncodeHex(ToHash(e.ledger_id())));
  row("prev id", EncodeHex(ToHash(e.prev_id())));
  for (size_t i = 0; i < ev.signature_count(); ++i) row("signature", EncodeHex(ev.signature(i)));
  return out;
}
}  // namespace custody
