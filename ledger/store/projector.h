// The hook through which projections (projections/) stay up to date at append
// without the store knowing what they are: for every batch it writes, the
// store asks its projector for the entries to put into the projections column
// family, and commits them, with the projections' last applied sequence
// number, in the same atomic WriteBatch as the events.
//
// Projections are derived data: `custody projections rebuild` recomputes them
// from the events alone, and readers catch up from the last applied sequence
// number, so a ledger written without a projector is never wrong, only behind.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

class Projector {
 public:
  virtual ~Projector() = default;

  // Reads a projection entry as stored before this batch; nullopt if none.
  using GetFn = std::function<Result<std::optional<std::string>>(const std::string& key)>;
  using Puts = std::vector<std::pair<std::string, std::string>>;

  // events[i] is the signed event of sequence number first + i, checked and
  // signed, about to be written. Adds the entries the batch changes to *puts.
  virtual Status Apply(uint64_t first, const std::vector<Bytes>& events, const GetFn& get,
                       Puts* puts) = 0;
};

}  // namespace custody
