#include "ledger/chain.h"

#include "ledger/base/encoding.h"

namespace custody {
namespace {

// Error prefixes are built only on an error: Append runs once per event of
// every verify.
std::string Where(uint64_t seq) { return "event " + std::to_string(seq) + ": "; }

}  // namespace

Result<uint64_t> ChainChecker::LastAbout(const Hash32& user) {
  auto it = last_about_.find(user);
  if (it != last_about_.end()) return it->second;
  if (!last_about_fn_) return uint64_t{0};
  auto stored = last_about_fn_(user);
  if (stored.ok()) last_about_[user] = *stored;
  return stored;
}

Status ChainChecker::Append(const fb::Event& e, const Hash32& id) {
  const uint64_t seq = e.seq();
  if (seq != head_.next_seq)
    return Status::Corruption(Where(seq) + "out of sequence (expected " +
                              std::to_string(head_.next_seq) + ")");
  if (seq > 0) {
    if (ToHash(e.ledger_id()) != head_.ledger_id)
      return Status::Corruption(Where(seq) + "belongs to another ledger (ledger id " +
                                EncodeHex(ToHash(e.ledger_id())) + ")");
    if (ToHash(e.prev_id()) != head_.last_id)
      return Status::Corruption(Where(seq) + "prev id mismatch");
    if (e.recorded_ns() < head_.last_recorded_ns)
      return Status::Corruption(Where(seq) + "recorded time " + FormatTime(e.recorded_ns()) +
                                " is before the previous event's " +
                                FormatTime(head_.last_recorded_ns));
  }
  // Back-links: each subject must point at the latest earlier event about it.
  if (auto* subjects = e.subjects()) {
    for (auto* s : *subjects) {
      auto last = LastAbout(ToHash(&s->key()));
      if (!last.ok()) return last.status();
      if (s->prev_seq() != *last)
        return Status::Corruption(Where(seq) + "back-link for " + EncodeNpub(ToHash(&s->key())) +
                                  " is " + std::to_string(s->prev_seq()) + ", expected " +
                                  std::to_string(*last));
    }
  }
  // An event that names an incident names a declared one.
  if (e.incident() != 0 && !incidents_.count(e.incident())) {
    bool declared = false;
    if (is_incident_fn_ && e.incident() < head_.next_seq) {
      auto r = is_incident_fn_(e.incident());
      if (!r.ok()) return r.status();
      declared = *r;
    }
    if (!declared)
      return Status::InvalidArgument(Where(seq) + IncidentName(e.incident()) +
                                     " is not a declared incident");
    incidents_.insert(e.incident());
  }
  CUSTODY_RETURN_IF_ERROR(members_.Check(e));

  members_.Apply(e);
  if (e.payload_type() == fb::Payload::IncidentDeclared) incidents_.insert(seq);
  if (auto* subjects = e.subjects())
    for (auto* s : *subjects) last_about_[ToHash(&s->key())] = seq;
  if (seq == 0) {
    head_.ledger_id = id;
    head_.genesis_admin = ToHash(e.author());
  }
  head_.next_seq = seq + 1;
  head_.last_id = id;
  head_.last_recorded_ns = e.recorded_ns();
  return Status::OK();
}

}  // namespace custody
