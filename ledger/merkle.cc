#include "ledger/merkle.h"

#include <bit>

#include "ledger/crypto.h"

namespace custody {
namespace {

// The largest power of two strictly below n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

Status Fail(const std::string& what) { return Status::VerificationFailed(what); }

Status Path(const NodeFn& node, uint64_t m, uint64_t begin, uint64_t end,
            std::vector<Hash32>* out) {
  if (end - begin == 1) return Status::OK();
  const uint64_t k = SplitPoint(end - begin);
  if (m < k) {
    CUSTODY_RETURN_IF_ERROR(Path(node, m, begin, begin + k, out));
    auto sibling = SubtreeRoot(node, begin + k, end);
    if (!sibling.ok()) return sibling.status();
    out->push_back(*sibling);
  } else {
    CUSTODY_RETURN_IF_ERROR(Path(node, m - k, begin + k, end, out));
    auto sibling = SubtreeRoot(node, begin, begin + k);
    if (!sibling.ok()) return sibling.status();
    out->push_back(*sibling);
  }
  return Status::OK();
}

Status SubProof(const NodeFn& node, uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash32>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (whole) return Status::OK();
    auto root = SubtreeRoot(node, begin, end);
    if (!root.ok()) return root.status();
    out->push_back(*root);
    return Status::OK();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    CUSTODY_RETURN_IF_ERROR(SubProof(node, m, begin, begin + k, whole, out));
    auto right = SubtreeRoot(node, begin + k, end);
    if (!right.ok()) return right.status();
    out->push_back(*right);
  } else {
    CUSTODY_RETURN_IF_ERROR(SubProof(node, m - k, begin + k, end, false, out));
    auto left = SubtreeRoot(node, begin, begin + k);
    if (!left.ok()) return left.status();
    out->push_back(*left);
  }
  return Status::OK();
}

}  // namespace

Hash32 HashLeaf(ByteSpan data) {
  static constexpr uint8_t kZero = 0;
  return Sha256({ByteSpan(&kZero, 1), data});
}

Hash32 HashChildren(const Hash32& left, const Hash32& right) {
  static constexpr uint8_t kOne = 1;
  return Sha256({ByteSpan(&kOne, 1), left, right});
}

Hash32 EmptyTreeRoot() { return Sha256(ByteSpan()); }

Result<Hash32> SubtreeRoot(const NodeFn& node, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) return node(std::countr_zero(n), begin / n);
  const uint64_t k = SplitPoint(n);
  auto left = SubtreeRoot(node, begin, begin + k);
  if (!left.ok()) return left;
  auto right = SubtreeRoot(node, begin + k, end);
  if (!right.ok()) return right;
  return HashChildren(*left, *right);
}

Result<Hash32> TreeRoot(const NodeFn& node, uint64_t size) {
  if (size == 0) return EmptyTreeRoot();
  return SubtreeRoot(node, 0, size);
}

Result<std::vector<Hash32>> InclusionProof(const NodeFn& node, uint64_t index, uint64_t size) {
  if (index >= size)
    return Status::InvalidArgument("inclusion proof: index " + std::to_string(index) +
                                   " is not below size " + std::to_string(size));
  std::vector<Hash32> out;
  CUSTODY_RETURN_IF_ERROR(Path(node, index, 0, size, &out));
  return out;
}

Result<std::vector<Hash32>> ConsistencyProof(const NodeFn& node, uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 > size2)
    return Status::InvalidArgument("consistency proof: sizes " + std::to_string(size1) + " and " +
                                   std::to_string(size2) + " are not 0 < size1 <= size2");
  std::vector<Hash32> out;
  CUSTODY_RETURN_IF_ERROR(SubProof(node, size1, 0, size2, true, &out));
  return out;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash32& leaf_hash,
                       const std::vector<Hash32>& proof, const Hash32& root) {
  if (index >= size)
    return Fail("inclusion proof: index " + std::to_string(index) + " is not below size " +
                std::to_string(size));
  uint64_t fn = index, sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return Fail("inclusion proof: more hashes than the tree has levels");
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Fail("inclusion proof: too few hashes");
  if (r != root) return Fail("inclusion proof: does not lead to the root");
  return Status::OK();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<Hash32>& proof,
                         const Hash32& root1, const Hash32& root2) {
  if (size1 > size2)
    return Fail("consistency proof: size1 " + std::to_string(size1) + " > size2 " +
                std::to_string(size2));
  // Nothing is consistent with an empty tree: refused even between two.
  if (size1 == 0) return Fail("consistency proof: from an empty tree");
  if (size1 == size2) {
    if (!proof.empty()) return Fail("consistency proof: must be empty between equal sizes");
    if (root1 != root2) return Fail("consistency proof: equal sizes with different roots");
    return Status::OK();
  }
  if (proof.empty()) return Fail("consistency proof: empty");
  std::vector<Hash32> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return Fail("consistency proof: more hashes than the tree has levels");
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Fail("consistency proof: too few hashes");
  if (fr != root1) return Fail("consistency proof: does not lead to the old root");
  if (sr != root2) return Fail("consistency proof: does not lead to the new root");
  return Status::OK();
}

Result<CompactRange> CompactRange::FromNodes(uint64_t size, const NodeFn& node) {
  CompactRange r;
  r.size_ = size;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t bit = uint64_t{1} << level;
    if (!(size & bit)) continue;
    auto h = node(static_cast<unsigned>(level), begin >> level);
    if (!h.ok()) return h.status();
    r.hashes_.push_back(*h);
    begin += bit;
  }
  return r;
}

void CompactRange::Append(const Hash32& leaf_hash, const VisitFn& visit) {
  // Invariant: hashes_[i] is the root of the i-th perfect subtree of the
  // decomposition of [0, size_) by the set bits of size_, largest first.
  Hash32 h = leaf_hash;
  uint64_t index = size_;
  unsigned level = 0;
  if (visit) visit(0, index, h);
  while (index & 1) {
    h = HashChildren(hashes_.back(), h);
    hashes_.pop_back();
    index >>= 1;
    ++level;
    if (visit) visit(level, index, h);
  }
  hashes_.push_back(h);
  ++size_;
}

Hash32 CompactRange::Root() const {
  if (hashes_.empty()) return EmptyTreeRoot();
  Hash32 r = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) r = HashChildren(hashes_[i], r);
  return r;
}

}  // namespace custody
