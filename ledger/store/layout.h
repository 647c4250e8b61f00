// The RocksDB layout of a ledger (docs/storage.md): column families and key
// encodings. Only ledger/store and the corruption tests read this.
//
// On-disk format: never change a name, a key encoding or a value encoding
// without bumping kStorageFormat.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/event.h"
#include "ledger/membership.h"
#include "rules/rule_set.h"

namespace custody::layout {

using custody::kStorageFormat;  // ledger/event.h

inline constexpr std::string_view kMetaCf = "meta";           // format, name, head
inline constexpr std::string_view kEventsCf = "events";       // seq -> signed-event bytes
inline constexpr std::string_view kEventIdsCf = "event_ids";  // event id -> seq
inline constexpr std::string_view kMembersCf = "members";     // x-only key -> roles
inline constexpr std::string_view kSubjectsCf = "subjects";   // user key || seq -> ""
inline constexpr std::string_view kTreeCf = "tree";  // level || index -> node hash (levels >= 1)
inline constexpr std::string_view kCheckpointsCf = "checkpoints";  // tree size -> seq of its event
// incident (its declaration's seq) || seq -> "": the declaration and every event naming it
inline constexpr std::string_view kIncidentsCf = "incidents";
inline constexpr std::string_view kMembershipCf =
    "membership";  // seq -> "": genesis, membership, key lifecycle
// sha256 -> size (8 bytes big-endian): a committed blob;
// sha256 || seq -> "": an evidence event that attaches it
inline constexpr std::string_view kBlobsCf = "blobs";

// Derived, rebuildable (ledger/store/projector.h): key -> projection entry
// (projections/ decides what they are); meta kProjectionsKey says up to where.
inline constexpr std::string_view kProjectionsCf = "projections";

// Blob files, inside the ledger directory: blobs/sha256/<hex> (committed, or
// left by a crash before its event committed: only the blobs index makes one
// visible) and blobs/tmp/ (files being written).
inline constexpr std::string_view kBlobDir = "blobs/sha256";
inline constexpr std::string_view kBlobTmpDir = "blobs/tmp";
// Written by `custody serve` while it is the ledger's writer: the server's URL.
inline constexpr std::string_view kServedByFile = "SERVED_BY";

inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kNameKey = "name";
inline constexpr std::string_view kHeadKey = "head";
// The next sequence number the projections have not applied (8 bytes
// big-endian); absent: 0.
inline constexpr std::string_view kProjectionsKey = "projections";

// An 8-byte big-endian sequence number: byte order is numeric order.
inline std::string SeqKey(uint64_t seq) {
  std::string k(8, '\0');
  PutBigEndian64(reinterpret_cast<uint8_t*>(k.data()), seq);
  return k;
}
inline uint64_t SeqFromKey(std::string_view k) {
  return GetBigEndian64(reinterpret_cast<const uint8_t*>(k.data()));
}
inline std::string SubjectKey(const Hash32& user, uint64_t seq) {
  std::string k(reinterpret_cast<const char*>(user.data()), 32);
  return k + SeqKey(seq);
}
// A perfect subtree of the Merkle tree: 1-byte level, 8-byte big-endian index.
inline std::string NodeKey(unsigned level, uint64_t index) {
  std::string k(9, '\0');
  k[0] = static_cast<char>(level);
  PutBigEndian64(reinterpret_cast<uint8_t*>(k.data() + 1), index);
  return k;
}
inline std::string PairKey(uint64_t a, uint64_t b) { return SeqKey(a) + SeqKey(b); }
inline std::string BlobRefKey(const Hash32& sha256, uint64_t seq) {
  return std::string(reinterpret_cast<const char*>(sha256.data()), 32) + SeqKey(seq);
}
inline std::string HashKey(const Hash32& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), 32);
}

// The projection entry key of an incident (projections/projector.h).
inline std::string IncidentProjectionKey(uint64_t incident) { return SeqKey(incident); }

// meta "head": next_seq u64be, last_id, last_recorded_ns u64be, ledger_id,
// genesis_admin (112 bytes). Decode refuses any other length.
std::string EncodeHead(const ChainHead& h);
bool DecodeHead(std::string_view v, ChainHead* h);

// members value: roles u32 little-endian, flags u8 (bit 0: compromised).
std::string EncodeMember(const MemberRecord& r);
bool DecodeMember(std::string_view v, MemberRecord* r);

// One entry of an index an event implies.
struct IndexEntry {
  std::string_view cf;  // kEventIdsCf, kSubjectsCf, …
  std::string key, value;
};

// Every index entry one event implies (docs/storage.md): its id, subjects,
// incident, membership, checkpoint and evidence entries. Computed once, here,
// for the append path, verify and the tests' raw writer. (The event itself,
// tree nodes, members and the head belong to the batch.)
std::vector<IndexEntry> EntriesOf(const fb::Event& e, const Hash32& id);

}  // namespace custody::layout
