// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the Merkle tree served as
// static "tiles" of 256 consecutive hashes, so that a monitor can follow the
// ledger's tree, rebuild any root and check any leaf without being a member
// and without a byte of event content (docs/server.md, "The public tree").
//
// The tile at level L, index N holds the hashes of the perfect subtrees at
// tree height 8·L with indexes N·256 … N·256 + W − 1 (W = 256 for a full
// tile, 1 … 255 for a partial one). Every one is a perfect subtree, so the
// store's node column serves them as they are. Storage-free: nodes come
// through a NodeFn, as for proofs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/merkle.h"

namespace custody {

inline constexpr unsigned kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;
inline constexpr unsigned kMaxTileLevel = 63;
// An entry bundle's entries carry a big-endian uint16 length.
inline constexpr size_t kMaxBundleEntry = 0xffff;

struct TileRef {
  bool entries = false;  // an entry bundle (tile/entries/N), not a hash tile
  unsigned level = 0;    // hash tiles only
  uint64_t index = 0;
  unsigned width = kTileWidth;  // < 256: a partial tile (".p/W")
};

// "tile/L/N[.p/W]" or "tile/entries/N[.p/W]" (no leading slash): exactly
// the spec's encoding (no leading zeroes in L and W, three-digit path
// elements for N, all but the last prefixed "x"). InvalidArgument otherwise.
Result<TileRef> ParseTilePath(std::string_view path);
// The inverse: ParseTilePath(TilePath(t)) == t.
std::string TilePath(const TileRef& t);

// The leaf range a tile's hashes span: [first, end).
uint64_t TileFirstLeaf(const TileRef& t);
uint64_t TileEndLeaf(const TileRef& t);

// The tile's W hashes, concatenated (32·W bytes). The caller checks that the
// tree holds TileEndLeaf(t) leaves.
Result<std::string> TileHashes(const NodeFn& node, const TileRef& t);

// The widths of the tile at (level, index) in a tree of `size` leaves: 256
// if it is full, 1 … 255 if partial, 0 if it has no hash yet.
unsigned TileWidthAt(unsigned level, uint64_t index, uint64_t size);

}  // namespace custody
