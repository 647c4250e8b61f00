#include "projections/render.h"

#include "ledger/base/encoding.h"
#include "ledger/membership.h"

namespace custody {
namespace {

std::string_view RelationName(fb::Relation r) {
  switch (r) {
    case fb::Relation::Cites: return "cites";
    case fb::Relation::Answers: return "answers";
    case fb::Relation::Corrects: return "corrects";
  }
  return "unknown";
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
// Text written by people, for a terminal: see Printable.
std::string Text(const flatbuffers::String* s) { return Printable(Str(s)); }

nlohmann::ordered_json PayloadToJson(const fb::Event& e) {
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  switch (e.payload_type()) {
    case fb::Payload::Genesis: {
      auto* g = e.payload_as_Genesis();
      p["name"] = Str(g->name());
      p["storage_format"] = g->storage_format();
      break;
    }
    case fb::Payload::Membership: {
      auto* m = e.payload_as_Membership();
      p["member"] = EncodeNpub(ToHash(m->member()));
      p["op"] = m->op() == fb::MemberOp::Grant ? "grant" : "revoke";
      uint32_t roles = static_cast<uint32_t>(m->roles());
      p["roles"] = nlohmann::ordered_json::array();
      for (uint32_t bit = 1; bit <= kAuditor; bit <<= 1)
        if (roles & bit) p["roles"].push_back(std::string(RoleName(bit)));
      break;
    }
    case fb::Payload::KeyRotated:
      p["old_key"] = EncodeNpub(ToHash(e.author()));
      p["new_key"] = EncodeNpub(ToHash(e.payload_as_KeyRotated()->new_key()));
      break;
    case fb::Payload::KeyCompromised: {
      auto* k = e.payload_as_KeyCompromised();
      p["key"] = EncodeNpub(ToHash(k->key()));
      p["since"] = FormatTime(k->since_ns());
      p["reason"] = Str(k->reason());
      break;
    }
    case fb::Payload::Note:
      p["text"] = Str(e.payload_as_Note()->text());
      break;
    case fb::Payload::Checkpoint: {
      auto* c = e.payload_as_Checkpoint();
      p["size"] = c->size();
      p["root"] = EncodeHex(ToHash(c->root()));
      p["note"] = Str(c->note());
      p["nostr"] = Str(c->nostr());
      break;
    }
    case fb::Payload::IncidentDeclared: {
      auto* d = e.payload_as_IncidentDeclared();
      p["severity"] = SeverityName(d->severity());
      p["title"] = Str(d->title());
      p["summary"] = d->summary() ? nlohmann::ordered_json(Str(d->summary())) : nullptr;
      p["playbooks"] = nlohmann::ordered_json::array();
      for (char c : PlaybookNames(static_cast<uint8_t>(d->playbooks()))) p["playbooks"].push_back(std::string(1, c));
      p["runbook"] = EncodeHex(ToHash(d->runbook()));
      break;
    }
    case fb::Payload::EvidenceAttached: {
      auto* v = e.payload_as_EvidenceAttached();
      p["sha256"] = EncodeHex(ToHash(v->sha256()));
      p["size"] = v->size();
      p["media_type"] = Str(v->media_type());
      p["name"] = Str(v->name());
      p["kind"] = std::string(EvidenceKindName(v->kind()));
      p["acquired"] = FormatTime(v->acquired_ns());
      p["source"] = v->source() ? nlohmann::ordered_json(Str(v->source())) : nullptr;
      break;
    }
    case fb::Payload::DeployRecorded: {
      auto* d = e.payload_as_DeployRecorded();
      p["service"] = Str(d->service());
      p["commit"] = d->commit() ? EncodeHex(ByteSpan(d->commit()->data(), d->commit()->size())) : "";
      p["deployed"] = d->deployed_ns() ? nlohmann::ordered_json(FormatTime(d->deployed_ns())) : nullptr;
      p["repo"] = d->repo() ? nlohmann::ordered_json(Str(d->repo())) : nullptr;
      break;
    }
    case fb::Payload::ExportPerformed: {
      auto* x = e.payload_as_ExportPerformed();
      p["scope"] = x->scope() == fb::ExportScope::User ? "user" : "incident";
      p["user"] = x->user() ? nlohmann::ordered_json(EncodeNpub(ToHash(x->user()))) : nullptr;
      p["checkpoint_size"] = x->checkpoint_size();
      p["checkpoint_root"] = EncodeHex(ToHash(x->checkpoint_root()));
      p["tagmanifest_sha256"] = EncodeHex(ToHash(x->tagmanifest_sha256()));
      p["events"] = x->events();
      p["shared_blobs"] = x->shared_blobs();
      break;
    }
    default:
      break;
  }
  return p;
}

}  // namespace

std::string ShortNpub(const Hash32& key) {
  std::string n = EncodeNpub(key);
  return n.substr(0, 13) + "…" + n.substr(n.size() - 4);
}

std::string DescribeEvent(const fb::Event& e) {
  switch (e.payload_type()) {
    case fb::Payload::Genesis:
      return "ledger \"" + Text(e.payload_as_Genesis()->name()) + "\" created; " +
             ShortNpub(ToHash(e.author())) + " is its first admin";
    case fb::Payload::Membership: {
      auto* m = e.payload_as_Membership();
      uint32_t roles = static_cast<uint32_t>(m->roles());
      std::string who = ShortNpub(ToHash(m->member()));
      if (m->op() == fb::MemberOp::Grant) return "granted " + RoleNames(roles) + " to " + who;
      return roles ? "revoked " + RoleNames(roles) + " from " + who : "removed " + who + " (all roles)";
    }
    case fb::Payload::KeyRotated:
      return "rotated key " + ShortNpub(ToHash(e.author())) + " to " +
             ShortNpub(ToHash(e.payload_as_KeyRotated()->new_key()));
    case fb::Payload::KeyCompromised: {
      auto* k = e.payload_as_KeyCompromised();
      return "key " + ShortNpub(ToHash(k->key())) + " compromised since " +
             FormatTimeHuman(k->since_ns()) + ": " + Text(k->reason());
    }
    case fb::Payload::Note:
      return "note: " + Text(e.payload_as_Note()->text());
    case fb::Payload::Checkpoint: {
      auto* c = e.payload_as_Checkpoint();
      return "checkpoint of the first " + std::to_string(c->size()) + " events, root " +
             EncodeHex(ToHash(c->root())).substr(0, 16) + "…";
    }
    case fb::Payload::IncidentDeclared: {
      auto* d = e.payload_as_IncidentDeclared();
      std::string out = "declared " + IncidentName(e.seq()) + " (" + SeverityName(d->severity()) + "): " + Text(d->title());
      if (d->playbooks() != fb::Playbook::NONE)
        out += "; playbook " + PlaybookNames(static_cast<uint8_t>(d->playbooks())) + " active";
      return out;
    }
    case fb::Payload::EvidenceAttached: {
      auto* v = e.payload_as_EvidenceAttached();
      return std::string(EvidenceKindName(v->kind())) + " snapshot " + Text(v->name()) + " (" +
             std::to_string(v->size()) + " bytes, sha256 " + EncodeHex(ToHash(v->sha256())).substr(0, 16) + "…" +
             (v->source() ? ", from " + Text(v->source()) : "") + ")";
    }
    case fb::Payload::DeployRecorded: {
      auto* d = e.payload_as_DeployRecorded();
      std::string commit = d->commit() ? EncodeHex(ByteSpan(d->commit()->data(), d->commit()->size())) : "";
      return "deploy of " + Text(d->service()) + " at " + commit.substr(0, 12) +
             (d->deployed_ns() ? ", deployed " + FormatTimeHuman(d->deployed_ns()) : "");
    }
    case fb::Payload::ExportPerformed: {
      auto* x = e.payload_as_ExportPerformed();
      std::string what = x->scope() == fb::ExportScope::User ? "user " + ShortNpub(ToHash(x->user()))
                                                               : "incident " + IncidentName(e.incident());
      return "exported the evidence package of " + what + " (" + std::to_string(x->events()) +
             " events, checkpoint " + std::to_string(x->checkpoint_size()) + ")";
    }
    default:
      return "unknown event";
  }
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
      j["subjects"].push_back({{"npub", EncodeNpub(ToHash(&s->key()))},
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
  for (size_t i = 0; i < ev.signature_count(); ++i) j["signatures"].push_back(EncodeHex(ev.signature(i)));
  return j;
}

std::string EventLine(const SignedEvent& ev) {
  const fb::Event& e = ev.event();
  std::string line = "#" + std::to_string(e.seq()) + "  " + FormatTimeHuman(e.recorded_ns()) + "  " +
                     ShortNpub(ToHash(e.author())) + "  ";
  if (e.incident()) line += IncidentName(e.incident()) + "  ";
  line += DescribeEvent(e);
  return line;
}

std::string EventDetail(const SignedEvent& ev, const Hash32& id) {
  const fb::Event& e = ev.event();
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) { out += k + std::string(11 - k.size(), ' ') + v + "\n"; };
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
      row("subject", EncodeNpub(ToHash(&s->key())) +
                         (s->prev_seq() ? " (previous event about them: #" + std::to_string(s->prev_seq()) + ")"
                                        : " (first event about them)"));
  if (e.references())
    for (auto* r : *e.references())
      row("references", std::string(RelationName(r->relation())) + " #" + std::to_string(r->seq()) + " " +
                            EncodeHex(ToHash(&r->id())));
  row("ledger", EncodeHex(ToHash(e.ledger_id())));
  row("prev id", EncodeHex(ToHash(e.prev_id())));
  for (size_t i = 0; i < ev.signature_count(); ++i) row("signature", EncodeHex(ev.signature(i)));
  return out;
}

}  // namespace custody
