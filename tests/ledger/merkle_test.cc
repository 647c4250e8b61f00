#include "ledger/merkle.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"
#include "tests/ledger/reference_merkle.h"
#include "tests/testutil.h"

using namespace custody;
using Json = nlohmann::json;

namespace {

std::vector<Hash32> Leaves(size_t n) {
  std::vector<Hash32> out;
  for (size_t i = 0; i < n; ++i) {
    std::string data = "leaf " + std::to_string(i);
    out.push_back(HashLeaf(AsSpan(data)));
  }
  return out;
}

// Decodes a vector's hash; false when it is not 32 bytes of base64 (a
// rejection, as transparency-dev/merkle's conventions say).
bool Hash(const Json& j, Hash32* out) {
  if (!j.is_string()) return false;
  auto h = DecodeBase64Hash(j.get<std::string>());
  if (!h.ok()) return false;
  *out = *h;
  return true;
}

bool Hashes(const Json& j, std::vector<Hash32>* out) {
  if (j.is_null()) return true;
  for (auto& e : j) {
    Hash32 h;
    if (!Hash(e, &h)) return false;
    out->push_back(h);
  }
  return true;
}

// A root as the vectors give it. Our API takes 32-byte roots; a vector whose
// root is some other length (e.g. "don't care") stands for an opaque value, so
// it maps to SHA-256 of its bytes: equal roots stay equal, and a root with
// garbage added or removed can match nothing.
bool Root(const Json& j, Hash32* out) {
  if (!j.is_string()) return false;
  auto raw = DecodeBase64(j.get<std::string>());
  if (!raw.ok()) return false;
  if (raw->size() == 32)
    std::copy(raw->begin(), raw->end(), out->begin());
  else
    *out = Sha256(*raw);
  return true;
}

std::vector<std::filesystem::path> VectorFiles(const std::string& kind) {
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::recursive_directory_iterator(test::TestData("rfc6962/" + kind)))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("RFC 6962: the reference tree's roots match the vectors' table", "[ledger][merkle]") {
  const std::vector<std::string> inputs = {"",
                                           "00",
                                           "10",
                                           "2021",
                                           "3031",
                                           "40414243",
                                           "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> roots = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Hash32> leaves;
  for (auto& hex : inputs) leaves.push_back(HashLeaf(DecodeHex(hex).value()));
  CompactRange range;
  test::ReferenceTree ref(leaves);
  for (size_t size = 0; size <= 8; ++size) {
    CHECK(EncodeHex(ref.Root(size)) == roots[size]);
    CHECK(EncodeHex(range.Root()) == roots[size]);
    CHECK(EncodeHex(TreeRoot(ref.Nodes(), size).value()) == roots[size]);
    if (size < 8) range.Append(leaves[size], nullptr);
  }
}

TEST_CASE("RFC 6962 vectors: inclusion proofs, happy paths verify and every mutation is rejected",
          "[ledger][merkle][vectors]") {
  int happy = 0, mutated = 0;
  for (auto& path : VectorFiles("inclusion")) {
    Json v = Json::parse(test::ReadFile(path));
    INFO(path.string() << ": " << v.value("desc", ""));
    Hash32 root, leaf;
    std::vector<Hash32> proof;
    bool rejected = !Root(v["root"], &root) || !Hash(v["leafHash"], &leaf) ||
                    !Hashes(v["proof"], &proof) || !v["leafIdx"].is_number_integer() ||
                    !v["treeSize"].is_number_integer() || v["leafIdx"].get<int64_t>() < 0 ||
                    v["treeSize"].get<int64_t>() < 0;
    if (!rejected)
      rejected = !VerifyInclusion(v["leafIdx"].get<uint64_t>(), v["treeSize"].get<uint64_t>(), leaf,
                                  proof, root)
                      .ok();
    CHECK(rejected == v["wantErr"].get<bool>());
    if (path.filename() == "happy-path.json") {
      CHECK_FALSE(v["wantErr"].get<bool>());
      ++happy;
    } else {
      ++mutated;
    }
  }
  CHECK(happy >= 5);
  CHECK(mutated >= 50);
}

TEST_CASE("RFC 6962 vectors: consistency proofs, happy paths verify and every mutation is rejected",
          "[ledger][merkle][vectors]") {
  int happy = 0, mutated = 0;
  for (auto& path : VectorFiles("consistency")) {
    Json v = Json::parse(test::ReadFile(path));
    INFO(path.string() << ": " << v.value("desc", ""));
    Hash32 root1, root2;
    std::vector<Hash32> proof;
    bool rejected = !Root(v["root1"], &root1) || !Root(v["root2"], &root2) ||
                    !Hashes(v["proof"], &proof) || v["size1"].get<int64_t>() < 0 ||
                    v["size2"].get<int64_t>() < 0;
    if (!rejected)
      rejected = !VerifyConsistency(v["size1"].get<uint64_t>(), v["size2"].get<uint64_t>(), proof,
                                    root1, root2)
                      .ok();
    CHECK(rejected == v["wantErr"].get<bool>());
    (path.filename() == "happy-path.json" ? happy : mutated)++;
  }
  CHECK(happy >= 5);
  CHECK(mutated >= 50);
}

TEST_CASE("Merkle: the real tree agrees with the reference for every size and index up to 256",
          "[ledger][merkle][reference]") {
  const auto leaves = Leaves(256);
  test::ReferenceTree ref(leaves);
  const NodeFn nodes = ref.Nodes();
  CompactRange range;
  std::map<std::pair<unsigned, uint64_t>, Hash32> visited;
  for (uint64_t size = 1; size <= 256; ++size) {
    range.Append(leaves[size - 1], [&](unsigned level, uint64_t index, const Hash32& h) {
      visited[{level, index}] = h;
    });
    const Hash32 root = ref.Root(size);
    REQUIRE(range.Root() == root);
    REQUIRE(TreeRoot(nodes, size).value() == root);
    REQUIRE(CompactRange::FromNodes(size, nodes).value().Root() == root);
    for (uint64_t m = 0; m < size; ++m) {
      auto proof = InclusionProof(nodes, m, size).value();
      REQUIRE(proof == ref.Path(m, 0, size));
      REQUIRE(VerifyInclusion(m, size, leaves[m], proof, root).ok());
    }
    for (uint64_t m = 1; m <= size; ++m) {
      auto proof = ConsistencyProof(nodes, m, size).value();
      REQUIRE(proof == ref.SubProof(m, 0, size, true));
      REQUIRE(VerifyConsistency(m, size, proof, ref.Root(m), root).ok());
    }
  }
  // Every node the compact range reported is the reference's perfect subtree.
  for (auto& [key, h] : visited) REQUIRE(nodes(key.first, key.second).value() == h);
  CHECK(visited.size() == 511);  // 256 leaves + 255 internal nodes
}

TEST_CASE("Merkle: random samples up to 4096 agree with the reference",
          "[ledger][merkle][reference]") {
  const auto leaves = Leaves(4096);
  test::ReferenceTree ref(leaves);
  const NodeFn nodes = ref.Nodes();
  std::mt19937_64 rng(6962);
  for (int i = 0; i < 300; ++i) {
    const uint64_t size = 1 + rng() % 4096, m = rng() % size, m2 = 1 + rng() % size;
    const Hash32 root = ref.Root(size);
    auto inc = InclusionProof(nodes, m, size).value();
    CHECK(inc == ref.Path(m, 0, size));
    CHECK(VerifyInclusion(m, size, leaves[m], inc, root).ok());
    auto con = ConsistencyProof(nodes, m2, size).value();
    CHECK(con == ref.SubProof(m2, 0, size, true));
    CHECK(VerifyConsistency(m2, size, con, ref.Root(m2), root).ok());
  }
}

TEST_CASE("Merkle: random mutations of a proof, root, index or size are rejected",
          "[ledger][merkle][mutation]") {
  const auto leaves = Leaves(1000);
  test::ReferenceTree ref(leaves);
  const NodeFn nodes = ref.Nodes();
  std::mt19937_64 rng(9162);
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    const uint64_t size = 2 + rng() % 998, m = rng() % size, m1 = 1 + rng() % (size - 1);
    const Hash32 root = ref.Root(size), root1 = ref.Root(m1);
    auto inc = InclusionProof(nodes, m, size).value();
    auto con = ConsistencyProof(nodes, m1, size).value();
    // A flipped bit anywhere in a proof hash.
    if (!inc.empty()) {
      auto bad = inc;
      bad[rng() % bad.size()][rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
      CHECK_FALSE(VerifyInclusion(m, size, leaves[m], bad, root).ok());
    }
    auto bad_con = con;
    bad_con[rng() % bad_con.size()][rng() % 32] ^= 1;
    CHECK_FALSE(VerifyConsistency(m1, size, bad_con, root1, root).ok());
    // A wrong root, leaf, index or size; a hash added or removed.
    Hash32 wrong = root;
    wrong[rng() % 32] ^= 0x80;
    CHECK_FALSE(VerifyInclusion(m, size, leaves[m], inc, wrong).ok());
    CHECK_FALSE(VerifyConsistency(m1, size, con, root1, wrong).ok());
    CHECK_FALSE(VerifyConsistency(m1, size, con, wrong, root).ok());
    CHECK_FALSE(VerifyInclusion(m, size, leaves[(m + 1) % size], inc, root).ok());
    CHECK_FALSE(VerifyInclusion((m + 1) % size, size, leaves[m], inc, root).ok());
    CHECK_FALSE(VerifyConsistency(m1 + 1 == size ? m1 - 1 : m1 + 1, size, con, root1, root).ok());
    auto longer = inc;
    longer.push_back(root);
    CHECK_FALSE(VerifyInclusion(m, size, leaves[m], longer, root).ok());
    if (!inc.empty()) {
      auto shorter = inc;
      shorter.pop_back();
      CHECK_FALSE(VerifyInclusion(m, size, leaves[m], shorter, root).ok());
    }
    auto con_longer = con;
    con_longer.insert(con_longer.begin(), root1);
    CHECK_FALSE(VerifyConsistency(m1, size, con_longer, root1, root).ok());
    ++checked;
  }
  CHECK(checked == 400);
}
