#include "ledger/tiles.h"

#include <catch2/catch.hpp>
#include <map>

#include "tests/ledger/reference_merkle.h"

using namespace custody;

namespace {

TileRef Tile(unsigned level, uint64_t index, unsigned width = kTileWidth, bool entries = false) {
  TileRef t;
  t.level = level;
  t.index = index;
  t.width = width;
  t.entries = entries;
  return t;
}

bool Same(const TileRef& a, const TileRef& b) {
  return a.entries == b.entries && a.level == b.level && a.index == b.index && a.width == b.width;
}

}  // namespace

TEST_CASE("tlog-tiles: paths are the spec's encoding, both ways", "[ledger][tiles]") {
  // C2SP tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
  CHECK(TilePath(Tile(0, 1234067)) == "tile/0/x001/x234/067");
  CHECK(TilePath(Tile(2, 0)) == "tile/2/000");
  CHECK(TilePath(Tile(1, 5, 17)) == "tile/1/005.p/17");
  CHECK(TilePath(Tile(0, 1000, kTileWidth, true)) == "tile/entries/x001/000");
  CHECK(TilePath(Tile(0, 3, 232, true)) == "tile/entries/003.p/232");
  for (const TileRef& t : {Tile(0, 0), Tile(63, 999), Tile(1, 1000, 1), Tile(0, 1234067, 255),
                           Tile(0, 0, 1, true), Tile(0, UINT64_MAX / 2, 7, true)}) {
    auto parsed = ParseTilePath(TilePath(t));
    REQUIRE(parsed.ok());
    CHECK(Same(*parsed, t));
  }
  // Anything else is refused: leading zeroes in L or W, short or unprefixed
  // elements, widths 0 and 256, levels past 63, overflow, extra parts.
  for (const char* bad : {"tile/00/000",
                          "tile/0/00",
                          "tile/0/0000",
                          "tile/0/001/002",
                          "tile/0/x001",
                          "tile/0/y001/002",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/010",
                          "tile/64/000",
                          "tile/0/000.p/",
                          "tile/0/000/",
                          "tile//000",
                          "tile/entries/",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",
                          "tile/0/00a",
                          "tile/0/x000/x234/067",
                          "tile/0/x000/000",
                          "checkpoint",
                          "tile/0/000.p/1x",
                          "tile/entries/000.p/-1",
                          ""}) {
    INFO(bad);
    CHECK_FALSE(ParseTilePath(bad).ok());
  }
}

TEST_CASE("tlog-tiles: which tiles a tree holds, as the spec's examples say", "[ledger][tiles]") {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles,
  // one partial level 0 tile of width 112, one full level 1 tile, one
  // partial level 1 tile of width 17, and one partial level 2 tile of width 1."
  CHECK(TileWidthAt(0, 272, 70000) == 256);
  CHECK(TileWidthAt(0, 273, 70000) == 112);
  CHECK(TileWidthAt(0, 274, 70000) == 0);
  CHECK(TileWidthAt(1, 0, 70000) == 256);
  CHECK(TileWidthAt(1, 1, 70000) == 17);
  CHECK(TileWidthAt(2, 0, 70000) == 1);
  CHECK(TileWidthAt(3, 0, 70000) == 0);
  // "a tree of size 256 will be represented by a full level 0 tile and a
  // partial level 1 tile of width 1."
  CHECK(TileWidthAt(0, 0, 256) == 256);
  CHECK(TileWidthAt(0, 1, 256) == 0);
  CHECK(TileWidthAt(1, 0, 256) == 1);
  CHECK(TileWidthAt(0, 0, 0) == 0);
  CHECK(TileWidthAt(63, 0, UINT64_MAX) == 0);
  CHECK(TileWidthAt(7, 0, UINT64_MAX) == 255);  // 2^64 - 1 >> 56
  CHECK(TileFirstLeaf(Tile(1, 2)) == 2 * 65536);
  CHECK(TileEndLeaf(Tile(1, 2, 3)) == 2 * 65536 + 3 * 256);
  CHECK(TileEndLeaf(Tile(7, 1000)) == UINT64_MAX);  // saturates
}

TEST_CASE("tlog-tiles: a tile's hashes are the reference tree's subtrees", "[ledger][tiles]") {
  std::vector<Hash32> leaves;
  for (int i = 0; i < 70000; ++i) {
    std::string data = "leaf " + std::to_string(i);
    leaves.push_back(HashLeaf(AsSpan(data)));
  }
  const test::ReferenceTree ref(leaves);
  // Nodes as the store serves them: the perfect subtree at (level, index).
  std::map<std::pair<unsigned, uint64_t>, Hash32> memo;
  NodeFn node = [&](unsigned level, uint64_t index) -> Result<Hash32> {
    auto [it, fresh] = memo.try_emplace({level, index});
    if (fresh) it->second = ref.Root(index << level, (index + 1) << level);
    return it->second;
  };
  for (const TileRef& t : {Tile(0, 0), Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1),
                           Tile(0, 273, 112, true)}) {
    auto bytes = TileHashes(node, t);
    REQUIRE(bytes.ok());
    REQUIRE(bytes->size() == 32u * t.width);
    const uint64_t span = t.entries ? 1 : uint64_t{1} << (8 * t.level);
    for (unsigned i = 0; i < t.width; ++i) {
      const uint64_t first = TileFirstLeaf(t) + i * span;
      const Hash32 want = ref.Root(first, first + span);
      CHECK(bytes->substr(32 * i, 32) == std::string(want.begin(), want.end()));
    }
  }
}
