#include "ledger/membership.h"

#include "ledger/base/encoding.h"
#include "ledger/payload_types.h"

namespace custody {
namespace {

constexpr std::pair<uint32_t, std::string_view> kRoleNames[] = {
    {kAdmin, "admin"},         {kNotary, "notary"}, {kCommander, "commander"},
    {kResponder, "responder"}, {kLegal, "legal"},   {kAuditor, "auditor"},
};

// The effect of a membership or key-lifecycle event: for each key it changes,
// its record afterwards.
std::vector<std::pair<Hash32, MemberRecord>> Effect(const MemberState& s, const fb::Event& e) {
  auto record = [&](const Hash32& k) {
    auto it = s.members().find(k);
    return it == s.members().end() ? MemberRecord{} : it->second;
  };
  switch (e.payload_type()) {
    case fb::Payload::Genesis:
      return {{ToHash(e.author()), MemberRecord{kAdmin, false}}};
    case fb::Payload::Membership: {
      auto* p = e.payload_as_Membership();
      Hash32 member = ToHash(p->member());
      uint32_t roles = static_cast<uint32_t>(p->roles());
      MemberRecord r = record(member);
      if (p->op() == fb::MemberOp::Grant)
        r.roles |= roles;
      else
        r.roles = roles == 0 ? 0 : r.roles & ~roles;
      return {{member, r}};
    }
    case fb::Payload::KeyRotated: {
      Hash32 old_key = ToHash(e.author()), new_key = ToHash(e.payload_as_KeyRotated()->new_key());
      MemberRecord old_r = record(old_key), new_r = record(new_key);
      new_r.roles = old_r.roles;
      old_r.roles = 0;
      return {{old_key, old_r}, {new_key, new_r}};
    }
    case fb::Payload::KeyCompromised:
      return {{ToHash(e.payload_as_KeyCompromised()->key()), MemberRecord{0, true}}};
    default:
      return {};
  }
}

}  // namespace

std::string_view RoleName(uint32_t bit) {
  for (auto& [b, name] : kRoleNames)
    if (b == bit) return name;
  return "";
}

uint32_t RoleFromName(std::string_view name) {
  for (auto& [b, n] : kRoleNames)
    if (n == name) return b;
  return 0;
}

std::string RoleNames(uint32_t roles) {
  std::string out;
  for (auto& [b, name] : kRoleNames) {
    if (!(roles & b)) continue;
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

uint32_t RolesAllowedToAppend(const fb::Event& e) {
  // External communications speak for the incident: the commander's.
  if (e.payload_type() == fb::Payload::CommunicationSent &&
      e.payload_as_CommunicationSent()->audience() != fb::Audience::Internal)
    return kAdmin | kCommander;
  return RolesAllowedToAppend(e.payload_type());
}

uint32_t RolesAllowedToAppend(fb::Payload type) {
  // The permission table (ledger/payload_types.cc, a column of each type's
  // row). Deny by default: a type not known is refused.
  const PayloadType* t = FindPayloadType(type);
  return t ? t->may_append : 0;
}

uint32_t MemberState::RolesOf(const Hash32& key) const {
  auto it = records_.find(key);
  return it == records_.end() ? 0 : it->second.roles;
}

bool MemberState::IsCompromised(const Hash32& key) const {
  auto it = records_.find(key);
  return it != records_.end() && it->second.compromised;
}

size_t MemberState::AdminCount() const {
  size_t n = 0;
  for (auto& [k, r] : records_) n += (r.roles & kAdmin) != 0;
  return n;
}

Status MemberState::Check(const fb::Event& e) const {
  auto where_of = [&e] { return "event " + std::to_string(e.seq()) + ": "; };
  if (e.payload_type() == fb::Payload::Genesis) {
    if (!records_.empty()) return Status::Rejected(where_of() + "a second genesis");
    return Status::OK();
  }
  const Hash32 author = ToHash(e.author());
  const uint32_t have = RolesOf(author);
  const uint32_t need = RolesAllowedToAppend(e);
  if ((have & need) == 0) {
    return Status::Unauthorized(where_of() + EncodeNpub(author) +
                                (have ? " (" + RoleNames(have) + ")" : " (not a member)") +
                                " may not append " +
                                std::string(PayloadTypeName(e.payload_type())) +
                                (need ? " (needs " + RoleNames(need) + ")" : ""));
  }
  // Refuse changes that change nothing, and roles for compromised keys.
  switch (e.payload_type()) {
    case fb::Payload::Membership: {
      auto* p = e.payload_as_Membership();
      const Hash32 member = ToHash(p->member());
      const uint32_t roles = static_cast<uint32_t>(p->roles()), held = RolesOf(member);
      const std::string who = EncodeNpub(member);
      if (p->op() == fb::MemberOp::Grant) {
        if (IsCompromised(member))
          return Status::Rejected(where_of() + who +
                                  " is recorded as compromised; it gets no role");
        if ((roles & ~held) == 0)
          return Status::Rejected(where_of() + who + " already holds " + RoleNames(roles));
      } else {
        if (held == 0) return Status::Rejected(where_of() + who + " is not a member");
        if (roles != 0 && (roles & held) == 0)
          return Status::Rejected(where_of() + who + " holds none of " + RoleNames(roles));
      }
      break;
    }
    case fb::Payload::KeyRotated: {
      const Hash32 next = ToHash(e.payload_as_KeyRotated()->new_key());
      if (IsCompromised(next))
        return Status::Rejected(where_of() + "the new key is recorded as compromised");
      if (RolesOf(next) != 0)
        return Status::Rejected(where_of() + "the new key is already a member");
      break;
    }
    case fb::Payload::KeyCompromised:
      if (IsCompromised(ToHash(e.payload_as_KeyCompromised()->key())))
        return Status::Rejected(where_of() + "that key is already recorded as compromised");
      break;
    default:
      break;
  }
  // The last admin is protected: every change must leave one.
  auto effect = Effect(*this, e);
  if (!effect.empty()) {
    size_t admins = AdminCount();
    for (auto& [key, after] : effect) {
      bool was = RolesOf(key) & kAdmin, is = after.roles & kAdmin;
      admins = admins - was + is;
    }
    if (admins == 0) return Status::Rejected(where_of() + "would remove the last admin");
  }
  return Status::OK();
}

void MemberState::Apply(const fb::Event& e) {
  for (auto& [key, after] : Effect(*this, e)) {
    if (after == MemberRecord{})
      records_.erase(key);
    else
      records_[key] = after;
  }
}

}  // namespace custody
