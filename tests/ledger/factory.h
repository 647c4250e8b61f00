// Builds signed events for tests, bypassing the store's checks, so tests can
// make both good events and every kind of bad one.
#pragma once

#include "ledger/crypto.h"
#include "ledger/event.h"

namespace custody::test {

inline SecretKey NewKey() { return SecretKey::Generate().value(); }

// Encodes f, signs its id with each signer in order, and frames it.
inline Bytes MakeSigned(const EventFields& f, const std::vector<const SecretKey*>& signers) {
  Bytes body = EncodeBody(f);
  Hash32 id = EventId(body);
  std::vector<Sig64> sigs;
  for (auto* k : signers) sigs.push_back(k->Sign(id).value());
  return FrameSignedEvent(body, sigs);
}

inline EventFields GenesisFields(const SecretKey& admin, TimeNs t = 1000000000) {
  EventFields f;
  f.seq = 0;
  f.recorded_ns = f.occurred_ns = t;
  f.author = admin.public_key();
  f.payload = GenesisPayload{"test ledger", kStorageFormat};
  return f;
}

inline EventFields NoteFields(const Hash32& ledger, uint64_t seq, const Hash32& prev,
                              const SecretKey& author, TimeNs t, std::string text = "note") {
  EventFields f;
  f.ledger_id = ledger;
  f.seq = seq;
  f.prev_id = prev;
  f.recorded_ns = f.occurred_ns = t;
  f.author = author.public_key();
  f.payload = NotePayload{std::move(text)};
  return f;
}

}  // namespace custody::test
