// RFC 6962 / RFC 9162 Merkle trees: hashing, proofs and their verification.
//
// The leaves are the stored signed-event bytes, leaf index = sequence number.
// Everything here is storage-free: proof construction reads perfect-subtree
// hashes through a NodeFn (the store serves them from its tree column family;
// tests serve them from memory), so the offline verifier links only this.
// Ranges are half-open, [begin, end).
#pragma once

#include <functional>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

// SPEC: RFC 9162 §2.1.1: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r),
// empty tree = SHA-256("").
Hash32 HashLeaf(ByteSpan data);
Hash32 HashChildren(const Hash32& left, const Hash32& right);
Hash32 EmptyTreeRoot();

// The hash of the perfect subtree at `level` with index `index`: the leaves
// [index << level, (index + 1) << level). Level 0 is the leaf hash.
using NodeFn = std::function<Result<Hash32>(unsigned level, uint64_t index)>;

// MTH(D[begin:end]) for a range that is a subtree of RFC 6962's
// decomposition (begin is a multiple of the largest power of two below
// end - begin, as every range the proofs below ask for is). O(log n) nodes.
// REQUIRES: begin < end.
Result<Hash32> SubtreeRoot(const NodeFn& node, uint64_t begin, uint64_t end);
// The root of the tree of the first `size` leaves (EmptyTreeRoot() for 0).
Result<Hash32> TreeRoot(const NodeFn& node, uint64_t size);

// SPEC: RFC 6962 §2.1.1 PATH(m, D[n]): siblings from the leaf up.
// REQUIRES: index < size.
Result<std::vector<Hash32>> InclusionProof(const NodeFn& node, uint64_t index, uint64_t size);
// SPEC: RFC 6962 §2.1.2 PROOF(m, D[n]). REQUIRES: 0 < size1 <= size2.
Result<std::vector<Hash32>> ConsistencyProof(const NodeFn& node, uint64_t size1, uint64_t size2);

// SPEC: RFC 9162 §2.1.3.2. VerificationFailed with what was wrong.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                       const std::vector<Hash32>& proof, const Hash32& root);
// SPEC: RFC 9162 §2.1.4.2, with transparency-dev/merkle's conventions: a
// proof from size 0 is refused; between equal sizes the proof is empty and the
// roots equal.
Status VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<Hash32>& proof,
                         const Hash32& root1, const Hash32& root2);

// The roots of the perfect subtrees that make up the tree of the leaves so
// far, largest first: O(log n) hashes hold the whole tree's frontier.
// Appending reports every node it completes (leaf included) to `visit`, so a
// caller can store them. Thread safety: none.
class CompactRange {
 public:
  using VisitFn = std::function<void(unsigned level, uint64_t index, const Hash32& hash)>;

  CompactRange() = default;
  // Resumes a tree of `size` leaves from its perfect-subtree roots, largest
  // first (the set bits of size, high to low).
  static Result<CompactRange> FromNodes(uint64_t size, const NodeFn& node);

  void Append(const Hash32& leaf_hash, const VisitFn& visit);
  uint64_t size() const { return size_; }
  Hash32 Root() const;
  const std::vector<Hash32>& hashes() const { return hashes_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash32> hashes_;
};

}  // namespace custody
