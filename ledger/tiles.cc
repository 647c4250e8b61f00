#include "ledger/tiles.h"

#include <charconv>

namespace custody {
namespace {

// A decimal without leading zeroes (C2SP's L and W), at most max.
bool ParseSmall(std::string_view s, unsigned max, unsigned* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// N: "x001/x234/067" — three digits an element, "x" before all but the last,
// and no element of leading zeroes ("x000/067" is 67's second name: refused,
// so that each tile has one path).
bool ParseIndex(std::string_view s, uint64_t* out) {
  if (s.size() > 3 && s.substr(0, 4) == "x000") return false;
  uint64_t v = 0;
  for (;;) {
    const bool last = s.size() == 3;
    if (!last && (s.size() < 5 || s[0] != 'x' || s[4] != '/')) return false;
    const std::string_view digits = last ? s : s.substr(1, 3);
    unsigned d = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      d = d * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > (UINT64_MAX - d) / 1000) return false;
    v = v * 1000 + d;
    if (last) break;
    s.remove_prefix(5);
  }
  *out = v;
  return true;
}

std::string FormatIndex(uint64_t n) {
  std::string groups;
  // Three digits an element, most significant first.
  std::string digits = std::to_string(n);
  while (digits.size() % 3) digits.insert(digits.begin(), '0');
  for (size_t i = 0; i < digits.size(); i += 3) {
    if (i) groups += '/';
    if (i + 3 < digits.size()) groups += 'x';
    groups += digits.substr(i, 3);
  }
  return groups;
}

// index · 256^(level+1) + k · 256^level, saturating at UINT64_MAX.
uint64_t LeafAt(unsigned level, uint64_t index, uint64_t k) {
  unsigned __int128 v = (static_cast<unsigned __int128>(index) * kTileWidth + k);
  for (unsigned i = 0; i < level; ++i) {
    v *= kTileWidth;
    if (v > UINT64_MAX) return UINT64_MAX;
  }
  return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v);
}

}  // namespace

Result<TileRef> ParseTilePath(std::string_view path) {
  const auto bad = [&] {
    return Status::InvalidArgument("not a tlog-tiles path: " +
                                   std::string(path.substr(0, std::min<size_t>(path.size(), 80))));
  };
  constexpr std::string_view kTile = "tile/", kEntries = "entries/", kPartial = ".p/";
  if (path.substr(0, kTile.size()) != kTile) return bad();
  path.remove_prefix(kTile.size());
  TileRef t;
  if (path.substr(0, kEntries.size()) == kEntries) {
    t.entries = true;
    path.remove_prefix(kEntries.size());
  } else {
    const size_t slash = path.find('/');
    if (slash == std::string_view::npos ||
        !ParseSmall(path.substr(0, slash), kMaxTileLevel, &t.level))
      return bad();
    path.remove_prefix(slash + 1);
  }
  if (const size_t p = path.find(kPartial); p != std::string_view::npos) {
    unsigned w = 0;
    if (!ParseSmall(path.substr(p + kPartial.size()), kTileWidth - 1, &w) || w == 0) return bad();
    t.width = w;
    path = path.substr(0, p);
  }
  if (!ParseIndex(path, &t.index)) return bad();
  return t;
}

std::string TilePath(const TileRef& t) {
  std::string p = t.entries ? "tile/entries/" : "tile/" + std::to_string(t.level) + "/";
  p += FormatIndex(t.index);
  if (t.width < kTileWidth) p += ".p/" + std::to_string(t.width);
  return p;
}

uint64_t TileFirstLeaf(const TileRef& t) { return LeafAt(t.entries ? 0 : t.level, t.index, 0); }
uint64_t TileEndLeaf(const TileRef& t) { return LeafAt(t.entries ? 0 : t.level, t.index, t.width); }

unsigned TileWidthAt(unsigned level, uint64_t index, uint64_t size) {
  const unsigned shift = kTileHeight * level;
  const uint64_t nodes = shift >= 64 ? 0 : size >> shift;  // complete subtrees at that height
  if (index > nodes / kTileWidth) return 0;
  return static_cast<unsigned>(std::min<uint64_t>(kTileWidth, nodes - index * kTileWidth));
}

Result<std::string> TileHashes(const NodeFn& node, const TileRef& t) {
  std::string out;
  out.reserve(32 * t.width);
  const unsigned height = t.entries ? 0 : kTileHeight * t.level;
  for (uint64_t i = 0; i < t.width; ++i) {
    auto h = node(height, t.index * kTileWidth + i);
    if (!h.ok()) return h.status();
    out.append(reinterpret_cast<const char*>(h->data()), h->size());
  }
  return out;
}

}  // namespace custody
