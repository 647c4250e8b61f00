// Roles and the permission table of DESIGN.md, and the membership state that
// membership and key-lifecycle events build up. Deny by default.
//
// Both the append path and verify replay events through MemberState, so the
// same rules decide what may be written and what a stored ledger must satisfy.
// Thread safety: none; one owner.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/event.h"

namespace custody {

// Role bits (fb::Role). On-disk format: never change a value.
enum RoleBit : uint32_t {
  kAdmin = 1,
  kNotary = 2,
  kCommander = 4,
  kResponder = 8,
  kLegal = 16,
  kAuditor = 32,
};
inline constexpr uint32_t kAllRoles = 63;

// "admin", "notary", … ; empty string for anything else.
std::string_view RoleName(uint32_t single_role_bit);
// Parses one role name; 0 when unknown.
uint32_t RoleFromName(std::string_view name);
// "admin,responder".
std::string RoleNames(uint32_t roles);

// The roles that may append a payload type (DESIGN.md, "Identities, roles and
// trust"). 0 for the genesis, which only sequence 0 carries.
uint32_t RolesAllowedToAppend(fb::Payload type);
// The same for one event: external communications need admin or commander.
uint32_t RolesAllowedToAppend(const fb::Event& e);

// What the ledger says about one key: its roles, and whether it was recorded
// as compromised (a compromised key never gets a role again).
struct MemberRecord {
  uint32_t roles = 0;
  bool compromised = false;
  bool operator==(const MemberRecord&) const = default;
};

class MemberState {
 public:
  MemberState() = default;
  // Resumes from stored records (the members column family).
  explicit MemberState(std::map<Hash32, MemberRecord> records) : records_(std::move(records)) {}

  uint32_t RolesOf(const Hash32& key) const;
  bool IsCompromised(const Hash32& key) const;
  size_t AdminCount() const;
  // Keys with a role or a compromise record.
  const std::map<Hash32, MemberRecord>& members() const { return records_; }

  // Whether the event may follow the current state: its author holds a role
  // that may append its payload type, it changes something, it gives no role
  // to a compromised key, and it leaves at least one admin. Returns
  // Unauthorized (naming the author and what they lack) or Rejected (the last
  // admin, a compromised key, a change that changes nothing). The rule set
  // (rules/rule_set.h) runs it for every event.
  Status Check(const fb::Event& e) const;
  // Applies the event's effect. REQUIRES: Check(e).ok().
  void Apply(const fb::Event& e);

 private:
  std::map<Hash32, MemberRecord> records_;
};

}  // namespace custody
