// Renderings for programs: each payload type's --json fields, and the whole
// event as one JSON object (log --json, show --json, packages' index).
#include "projections/render.h"
#include "projections/render_types.h"

namespace custody {
namespace render {

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
}  // namespace render

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
                                 {"relation", std::string(render::RelationName(r->relation()))}});
  j["summary"] = DescribeEvent(e);
  j["payload"] = render::PayloadToJson(e);
  j["ledger_id"] = EncodeHex(ToHash(e.ledger_id()));
  j["prev_id"] = EncodeHex(ToHash(e.prev_id()));
  j["signatures"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < ev.signature_count(); ++i)
    j["signatures"].push_back(EncodeHex(ev.signature(i)));
  return j;
}
}  // namespace custody
