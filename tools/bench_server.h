// custody bench --server and its writer processes (tools/bench_server.cc).
#pragma once

#include "tools/cli.h"

namespace custody::cli {

struct BenchServerArgs {
  int writers = 20;
  int seconds = 30;
  int delay_ms = 20;  // the proxy's delay, each direction
  int note_runs = 21;
  uint64_t import_events = 100000;
};

// The load benchmark: prints each figure and its ratio to DESIGN.md's target.
Status BenchServer(const Context& ctx, const BenchServerArgs& args);
// One writer process (custody bench-writer): appends notes for `seconds`
// against --ledger URL, proves every acknowledgement, prints a JSON report.
Status BenchWriter(const Context& ctx, int seconds);

}  // namespace custody::cli
