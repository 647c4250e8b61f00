// Prometheus text exposition of what the server counts: requests by path and
// status, the append latency histogram, connections, and the sequencer's
// counters (appends, lapsed leases, refusals, syncs).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "server/sequencer.h"

namespace custody {

class Metrics {
 public:
  // One answered request: status, its path, whether a POST, and how long
  // from its first header byte to its answer.
  void Request(unsigned status, const std::string& path, bool post, int64_t duration_ns);
  std::string Render(const SequencerCounters& counters, size_t connections) const;

 private:
  // Append latency buckets, in seconds (Prometheus "le").
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, unsigned>, uint64_t> requests_;  // (route, status) -> count
  std::array<uint64_t, kBuckets.size()> append_buckets_{};
  uint64_t append_count_ = 0;
  double append_sum_s_ = 0;
};

}  // namespace custody
