// A naive, recursive RFC 6962 tree over leaf hashes, written straight from
// the RFC's definitions (§2.1, §2.1.1, §2.1.2) with no storage and no
// cleverness: the real tree (ledger/merkle.h) is checked against it.
#pragma once

#include <vector>

#include "ledger/merkle.h"

namespace custody::test {

class ReferenceTree {
 public:
  explicit ReferenceTree(std::vector<Hash32> leaves) : leaves_(std::move(leaves)) {}

  // MTH(D[begin:end]).
  Hash32 Root(uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 0) return EmptyTreeRoot();
    if (n == 1) return leaves_[begin];
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return HashChildren(Root(begin, begin + k), Root(begin + k, end));
  }
  Hash32 Root(uint64_t size) const { return Root(0, size); }

  // PATH(m, D[begin:end]).
  std::vector<Hash32> Path(uint64_t m, uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    std::vector<Hash32> out;
    if (m < k) {
      out = Path(m, begin, begin + k);
      out.push_back(Root(begin + k, end));
    } else {
      out = Path(m - k, begin + k, end);
      out.push_back(Root(begin, begin + k));
    }
    return out;
  }

  // SUBPROOF(m, D[begin:end], b).
  std::vector<Hash32> SubProof(uint64_t m, uint64_t begin, uint64_t end, bool b) const {
    const uint64_t n = end - begin;
    if (m == n) return b ? std::vector<Hash32>{} : std::vector<Hash32>{Root(begin, end)};
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    std::vector<Hash32> out;
    if (m <= k) {
      out = SubProof(m, begin, begin + k, b);
      out.push_back(Root(begin + k, end));
    } else {
      out = SubProof(m - k, begin + k, end, false);
      out.push_back(Root(begin, begin + k));
    }
    return out;
  }

  // Perfect-subtree hashes, as the store would serve them.
  NodeFn Nodes() const {
    return [this](unsigned level, uint64_t index) -> Result<Hash32> {
      const uint64_t begin = index << level, end = begin + (uint64_t{1} << level);
      if (end > leaves_.size()) return Status::NotFound("node beyond the tree");
      return Root(begin, end);
    };
  }

 private:
  std::vector<Hash32> leaves_;
};

}  // namespace custody::test
