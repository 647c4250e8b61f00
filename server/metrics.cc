#include "server/metrics.h"

#include <cstdio>

#include "net/protocol.h"

namespace custody {
namespace {

// Label values from a fixed set: a path a client made up never becomes a
// time series of its own.
std::string Route(const std::string& path) {
  for (std::string_view known :
       {proto::kHealthz, proto::kInfo, proto::kConsistency, proto::kInclusion, proto::kLease,
        proto::kAppend, proto::kBackup, proto::kCheckpointRequest, proto::kTlogCheckpoint})
    if (path == known) return path;
  if (path == proto::kEvents || path.rfind(std::string(proto::kEvents) + "/", 0) == 0)
    return std::string(proto::kEvents);
  if (path.rfind(std::string(proto::kBlobs), 0) == 0) return std::string(proto::kBlobs);
  if (path == "/v1/head") return path;
  return "other";
}

}  // namespace

void Metrics::Request(unsigned status, const std::string& path, bool post, int64_t duration_ns) {
  std::lock_guard lock(mu_);
  requests_[{Route(path), status}]++;
  if (post && path == proto::kAppend && status == 200) {
    const double s = static_cast<double>(duration_ns) / 1e9;
    for (size_t i = 0; i < kBuckets.size(); ++i)
      if (s <= kBuckets[i]) append_buckets_[i]++;
    append_count_++;
    append_sum_s_ += s;
  }
}

std::string Metrics::Render(const SequencerCounters& c, size_t connections) const {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  counter("custody_appends_total", "Events acknowledged.", c.appends.load());
  counter("custody_conflicts_total", "Leases that lapsed or were used by another client.",
          c.lapsed_leases.load());
  counter("custody_refused_total", "Submissions the rule set refused.", c.refused.load());
  counter("custody_syncs_total", "Group syncs of the write-ahead log.", c.syncs.load());
  out += "# HELP custody_connections Open client connections.\n# TYPE custody_connections gauge\n";
  out += "custody_connections " + std::to_string(connections) + "\n";
  std::lock_guard lock(mu_);
  out += "# HELP custody_http_requests_total Requests answered, by route and status.\n";
  out += "# TYPE custody_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "custody_http_requests_total{route=\"" + key.first + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP custody_append_seconds Append latency, request to durable answer.\n";
  out += "# TYPE custody_append_seconds histogram\n";
  char buf[64];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
    out += std::string("custody_append_seconds_bucket{le=\"") + buf + "\"} " +
           std::to_string(append_buckets_[i]) + "\n";
  }
  out += "custody_append_seconds_bucket{le=\"+Inf\"} " + std::to_string(append_count_) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", append_sum_s_);
  out += std::string("custody_append_seconds_sum ") + buf + "\n";
  out += "custody_append_seconds_count " + std::to_string(append_count_) + "\n";
  return out;
}

}  // namespace custody
