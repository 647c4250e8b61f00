#include "projections/projector.h"

#include <chrono>
#include <cstring>
#include <map>

#include "ledger/base/encoding.h"
#include "ledger/store/layout.h"

namespace custody {
namespace {

// A read-only view of a stored signed event's body, after the framing checks
// and the FlatBuffers Verifier. The body is copied into an aligned buffer.
class BodyView {
 public:
  Result<const fb::Event*> Read(ByteSpan signed_event) {
    if (signed_event.size() < kSignedEventHeader + 1 ||
        std::memcmp(signed_event.data(), kSignedEventMagic, 4) != 0)
      return Status::Corruption("stored event: bad framing");
    const size_t len = GetLittleEndian32(signed_event.data() + 4);
    if (len == 0 || len > kMaxBodySize || signed_event.size() < kSignedEventHeader + len + 1)
      return Status::Corruption("stored event: bad body length");
    buf_.resize((len + 7) / 8);
    std::memcpy(buf_.data(), signed_event.data() + kSignedEventHeader, len);
    const auto* body = reinterpret_cast<const uint8_t*>(buf_.data());
    flatbuffers::Verifier verifier(body, len, kVerifierMaxDepth, kVerifierMaxTables);
    if (!fb::VerifyEventBuffer(verifier))
      return Status::Corruption("stored event: body fails the FlatBuffers verifier");
    const fb::Event* e = fb::GetEvent(body);
    if (e->payload_type() == fb::Payload::IncidentDeclared &&
        e->payload_as_IncidentDeclared() == nullptr)
      return Status::Corruption("stored event: declaration without payload");
    return e;
  }

 private:
  std::vector<uint64_t> buf_;
};

}  // namespace

std::string IncidentKey(uint64_t incident) { return layout::IncidentProjectionKey(incident); }

IncidentProjector& IncidentProjector::Instance() {
  static IncidentProjector projector;
  return projector;
}

Status IncidentProjector::Apply(uint64_t first, const std::vector<Bytes>& events, const GetFn& get,
                                Puts* puts) {
  std::map<uint64_t, IncidentState> touched;
  for (size_t i = 0; i < events.size(); ++i) {
    // The store hands over the bytes it has just framed from bodies that
    // passed CheckBody (the Verifier included); the body sits 8 bytes into a
    // heap buffer, so it is aligned for FlatBuffers access.
    const fb::Event* e = fb::GetEvent(events[i].data() + kSignedEventHeader);
    const uint64_t incident = IncidentOf(*e);
    if (incident == 0) continue;
    auto it = touched.find(incident);
    if (it == touched.end()) {
      IncidentState s;
      s.incident = incident;
      if (incident < first) {
        auto stored = get(IncidentKey(incident));
        if (!stored.ok()) return stored.status();
        if (!stored->has_value())
          return Status::Corruption("projection of " + IncidentName(incident) +
                                    " missing while projections are applied");
        auto decoded = DecodeState(**stored);
        if (!decoded.ok()) return decoded.status();
        s = std::move(*decoded);
      }
      it = touched.emplace(incident, std::move(s)).first;
    }
    ApplyEvent(*e, &it->second);
  }
  for (auto& [incident, s] : touched) puts->emplace_back(IncidentKey(incident), EncodeState(s));
  return Status::OK();
}

Status RebuildProjections(Store* store, const ProgressFn& progress, RebuildReport* report) {
  const auto start = std::chrono::steady_clock::now();
  report->applied_before = store->projections_applied();
  const uint64_t size = store->size();
  std::map<uint64_t, IncidentState> states;
  BodyView view;
  Status error;
  uint64_t n = 0;
  CUSTODY_RETURN_IF_ERROR(store->Scan(0, [&](uint64_t seq, ByteSpan bytes) {
    if (seq >= size) return false;
    auto e = view.Read(bytes);
    if (!e.ok() || (*e)->seq() != seq) {
      error = e.ok() ? Status::Corruption("event " + std::to_string(seq) +
                                          ": stored under another sequence number")
                     : e.status().Prefixed("event " + std::to_string(seq));
      return false;
    }
    if (const uint64_t incident = IncidentOf(**e)) {
      IncidentState& s = states[incident];
      s.incident = incident;
      ApplyEvent(**e, &s);
    }
    if (progress && (++n & 0xffff) == 0) progress(n, size);
    return true;
  }));
  CUSTODY_RETURN_IF_ERROR(error);
  report->events = size;
  report->incidents = states.size();
  Projector::Puts puts;
  for (auto& [incident, s] : states) puts.emplace_back(IncidentKey(incident), EncodeState(s));
  std::map<std::string, std::string> stored;
  CUSTODY_RETURN_IF_ERROR(store->ScanProjections([&](std::string_view k, std::string_view v) {
    stored.emplace(std::string(k), std::string(v));
  }));
  for (auto& [k, v] : puts) {
    auto it = stored.find(k);
    if (it == stored.end()) {
      report->missing++;
    } else {
      (it->second == v ? report->matched : report->differed)++;
      stored.erase(it);
    }
  }
  report->extra = stored.size();
  CUSTODY_RETURN_IF_ERROR(store->ReplaceProjections(puts, size));
  if (progress) progress(size, size);
  report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::OK();
}

}  // namespace custody
