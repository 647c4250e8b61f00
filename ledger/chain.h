// The chain rules: what an event must satisfy given every event before it.
//
// ChainChecker is fed events in sequence order, each already decoded
// (SignedEvent::Decode / CheckBody) and with its id computed. It checks the
// sequence number, ledger id, previous id, that recorded time never decreases,
// the per-user back-links, and authorization against the membership built up so
// far; then it applies the event. The append path and verify use the same
// checker, so what may be written and what a stored ledger must satisfy are one
// rule set. No storage: the caller feeds it.
// Thread safety: none; one owner.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/event.h"
#include "ledger/membership.h"

namespace custody {

// Where the chain stands after the last event checked.
struct ChainHead {
  uint64_t next_seq = 0;  // 0: nothing yet, the next event must be the genesis
  Hash32 last_id{};
  TimeNs last_recorded_ns = 0;
  Hash32 ledger_id{};      // the genesis id
  Hash32 genesis_admin{};  // the genesis author
};

class ChainChecker {
 public:
  // Looks up the latest event about a user before the checker's own records
  // begin (the append path resumes from storage); returns 0 for none.
  using LastAboutFn = std::function<Result<uint64_t>(const Hash32& user)>;
  // Whether the event at seq (before the checker's own records) is an
  // incident declaration.
  using IsIncidentFn = std::function<Result<bool>(uint64_t seq)>;

  ChainChecker() = default;
  // Resumes after a stored head with its membership state.
  ChainChecker(ChainHead head, MemberState members, LastAboutFn last_about,
               IsIncidentFn is_incident)
      : head_(head),
        members_(std::move(members)),
        last_about_fn_(std::move(last_about)),
        is_incident_fn_(std::move(is_incident)) {}

  // Checks that e (whose id is id) follows, then applies it. On error nothing
  // changes. Errors: Corruption for a broken chain, Unauthorized for an author
  // without the role, InvalidArgument for a policy refusal (last admin).
  Status Append(const fb::Event& e, const Hash32& id);

  // The sequence number of the latest event about user so far (0 = none).
  Result<uint64_t> LastAbout(const Hash32& user);

  const ChainHead& head() const { return head_; }
  const MemberState& members() const { return members_; }

 private:
  ChainHead head_;
  MemberState members_;
  LastAboutFn last_about_fn_;
  IsIncidentFn is_incident_fn_;
  std::set<uint64_t> incidents_;  // declarations this checker has seen or looked up
  // An ordered map: subject keys are chosen by authors, so a hash table keyed
  // on them could be driven into its worst case.
  std::map<Hash32, uint64_t> last_about_;
};

}  // namespace custody
