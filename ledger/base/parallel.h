// ParallelFor: runs fn(i, worker) for i in [0, n) on up to `threads` threads
// (the caller's among them); worker in [0, threads) names the thread, for
// per-thread scratch state. Returns when all are done. fn must be safe to call
// concurrently for different i.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace custody {

inline unsigned DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

template <typename Fn>
void ParallelFor(size_t n, unsigned threads, Fn&& fn) {
  threads = static_cast<unsigned>(std::min<size_t>(std::max(1u, threads), n));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i, 0u);
    return;
  }
  // Work in small blocks taken from a shared counter, so a slow thread does not
  // hold up the rest; at least eight blocks per thread when n allows.
  const size_t kBlock = std::clamp<size_t>(n / (size_t{threads} * 8), 1, 64);
  std::atomic<size_t> next{0};
  auto worker = [&](unsigned id) {
    for (;;) {
      size_t begin = next.fetch_add(kBlock);
      if (begin >= n) return;
      size_t end = std::min(n, begin + kBlock);
      for (size_t i = begin; i < end; ++i) fn(i, id);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
}

}  // namespace custody
