#include "ledger/draft.h"

namespace custody {

Result<Bytes> BuildBody(const Position& pos, const Hash32& author, const Draft& d,
                        const std::function<Result<uint64_t>(const Hash32&)>& last_about) {
  EventFields f;
  f.seq = pos.seq;
  if (f.seq > 0) {
    f.ledger_id = pos.ledger_id;
    f.prev_id = pos.prev_id;
  }
  f.recorded_ns = pos.recorded_ns;
  f.occurred_ns = d.occurred_ns ? d.occurred_ns : pos.recorded_ns;
  f.author = author;
  f.incident = d.incident;
  for (const Hash32& user : d.subjects) {
    auto last = last_about(user);
    if (!last.ok()) return last.status();
    f.subjects.push_back({user, *last});
  }
  f.references = d.references;
  f.payload = d.payload;
  Bytes body = EncodeBody(f);
  CUSTODY_RETURN_IF_ERROR(CheckBody(body));
  auto signers = RequiredSigners(*fb::GetEvent(body.data()));
  if (signers.size() != 1 + d.cosigners.size())
    return Status::InvalidArgument("event " + std::to_string(f.seq) + ": needs " +
                                   std::to_string(signers.size() - 1) + " co-signer(s)");
  for (size_t i = 0; i < d.cosigners.size(); ++i)
    if (d.cosigners[i]->public_key() != signers[i + 1])
      return Status::InvalidArgument("event " + std::to_string(f.seq) + ": co-signer key mismatch");
  return body;
}

Result<Bytes> SignBody(ByteSpan body, const SecretKey& author,
                       const std::vector<const SecretKey*>& cosigners) {
  const Hash32 id = EventId(body);
  std::vector<Sig64> sigs;
  auto sig = author.Sign(id);
  if (!sig.ok()) return sig.status();
  sigs.push_back(*sig);
  for (const SecretKey* co : cosigners) {
    auto cosig = co->Sign(id);
    if (!cosig.ok()) return cosig.status();
    sigs.push_back(*cosig);
  }
  return FrameSignedEvent(body, sigs);
}

}  // namespace custody
