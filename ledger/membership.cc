#include "ledger/membership.h"

#include "ledger/base/encoding.h"

namespace custody {
namespace {

constexpr std::pair<uint32_t, std::string_view> kRoleNames[] = {
    {kAdmin, "admin"},         {kNotary, "notary"}, {kCommander, "commander"},
    {kResponder, "responder"}, {kLegal, "legal"},   {kAuditor, "auditor"},
};

// The effect of a membership or key-lifecycle event: for each key it changes,
// its roles afterwards.
std::vector<std::pair<Hash32, uint32_t>> Effect(const MemberState& s, const fb::Event& e) {
  switch (e.payload_type()) {
    case fb::Payload::Genesis:
      return {{ToHash(e.author()), kAdmin}};
    case fb::Payload::Membership: {
      auto* p = e.payload_as_Membership();
      Hash32 member = ToHash(p->member());
      uint32_t roles = static_cast<uint32_t>(p->roles());
      uint32_t now = s.RolesOf(member);
      if (p->op() == fb::MemberOp::Grant) return {{member, now | roles}};
      return {{member, roles == 0 ? 0 : now & ~roles}};
    }
    case fb::Payload::KeyRotated: {
      Hash32 old_key = ToHash(e.author());
      return {{old_key, 0}, {ToHash(e.payload_as_KeyRotated()->new_key()), s.RolesOf(old_key)}};
    }
    case fb::Payload::KeyCompromised:
      return {{ToHash(e.payload_as_KeyCompromised()->key()), 0}};
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

uint32_t RolesAllowedToAppend(fb::Payload type) {
  // The permission table. Deny by default: a type not listed here is refused.
  switch (type) {
    case fb::Payload::Membership:
    case fb::Payload::KeyRotated:
    case fb::Payload::KeyCompromised:
      return kAdmin;
    case fb::Payload::Note:
      return kAdmin | kCommander | kResponder | kLegal | kAuditor;
    default:
      return 0;
  }
}

uint32_t MemberState::RolesOf(const Hash32& key) const {
  auto it = roles_.find(key);
  return it == roles_.end() ? 0 : it->second;
}

size_t MemberState::AdminCount() const {
  size_t n = 0;
  for (auto& [k, r] : roles_) n += (r & kAdmin) != 0;
  return n;
}

Status MemberState::Check(const fb::Event& e) const {
  const std::string where = "event " + std::to_string(e.seq()) + ": ";
  if (e.payload_type() == fb::Payload::Genesis) {
    if (!roles_.empty()) return Status::Unauthorized(where + "a second genesis");
    return Status::OK();
  }
  const Hash32 author = ToHash(e.author());
  const uint32_t have = RolesOf(author);
  const uint32_t need = RolesAllowedToAppend(e.payload_type());
  if ((have & need) == 0) {
    return Status::Unauthorized(
        where + EncodeNpub(author) + (have ? " (" + RoleNames(have) + ")" : " (not a member)") +
        " may not append " + std::string(PayloadTypeName(e.payload_type())) +
        (need ? " (needs " + RoleNames(need) + ")" : ""));
  }
  if (e.payload_type() == fb::Payload::KeyRotated &&
      RolesOf(ToHash(e.payload_as_KeyRotated()->new_key())) != 0)
    return Status::InvalidArgument(where + "the new key is already a member");
  // The last admin is protected: every change must leave one.
  auto effect = Effect(*this, e);
  if (!effect.empty()) {
    size_t admins = AdminCount();
    for (auto& [key, after] : effect) {
      bool was = RolesOf(key) & kAdmin, is = after & kAdmin;
      admins = admins - was + is;
    }
    if (admins == 0) return Status::InvalidArgument(where + "would remove the last admin");
  }
  return Status::OK();
}

void MemberState::Apply(const fb::Event& e) {
  for (auto& [key, after] : Effect(*this, e)) Set(key, after);
}

void MemberState::Set(const Hash32& key, uint32_t roles) {
  if (roles == 0)
    roles_.erase(key);
  else
    roles_[key] = roles;
}

}  // namespace custody
