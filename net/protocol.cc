#include "net/protocol.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"

namespace custody::proto {
namespace {

using Json = nlohmann::json;

Status Malformed(std::string_view what, std::string_view why) {
  return Status::InvalidArgument(std::string(what) + ": " + std::string(why));
}

// Parses a bounded JSON object; nullopt-like discarded value on failure.
Result<Json> ParseObject(std::string_view text, std::string_view what) {
  if (text.size() > kMaxBody) return Malformed(what, "larger than 1 MiB");
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed(what, "not a JSON object");
  return j;
}

Result<Hash32> HexField(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return Status::InvalidArgument(std::string(name) + ": missing");
  return DecodeHex32(it->get<std::string>());
}

Result<uint64_t> UintField(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned())
    return Status::InvalidArgument(std::string(name) + ": missing or not a count");
  return it->get<uint64_t>();
}

Result<std::string> StringField(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return Status::InvalidArgument(std::string(name) + ": missing");
  return it->get<std::string>();
}

#define PROTO_ASSIGN(lhs, expr, what)                            \
  do {                                                           \
    auto _v = (expr);                                            \
    if (!_v.ok()) return Malformed(what, _v.status().message()); \
    lhs = std::move(*_v);                                        \
  } while (0)

}  // namespace

void AppendFramed(ByteSpan event, std::string* out) {
  const uint32_t n = static_cast<uint32_t>(event.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  out->append(len, 4);
  out->append(reinterpret_cast<const char*>(event.data()), event.size());
}

Result<std::vector<Bytes>> ParseFramed(std::string_view body, size_t max_events) {
  std::vector<Bytes> out;
  size_t at = 0;
  while (at < body.size()) {
    if (out.size() == max_events) return Malformed("event stream", "too many events");
    if (body.size() - at < 4) return Malformed("event stream", "truncated length");
    const auto* p = reinterpret_cast<const uint8_t*>(body.data() + at);
    const uint32_t n =
        (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    at += 4;
    if (n == 0 || n > body.size() - at) return Malformed("event stream", "truncated event");
    out.emplace_back(p + 4, p + 4 + n);
    at += n;
  }
  return out;
}

std::string EncodeInfo(const Info& info) {
  Json j = {{"origin", info.origin},
            {"name", info.name},
            {"notary", EncodeHex(info.notary)},
            {"time", info.time}};
  if (info.awaiting_admin != Hash32{}) j["awaiting_admin"] = EncodeHex(info.awaiting_admin);
  return j.dump();
}

Result<Info> ParseInfo(std::string_view text) {
  auto j = ParseObject(text, "server info");
  if (!j.ok()) return j.status();
  Info info;
  PROTO_ASSIGN(info.origin, StringField(*j, "origin"), "server info");
  PROTO_ASSIGN(info.name, StringField(*j, "name"), "server info");
  PROTO_ASSIGN(info.notary, HexField(*j, "notary"), "server info");
  auto t = j->find("time");
  if (t == j->end() || !t->is_number_integer()) return Malformed("server info", "no time");
  info.time = t->get<int64_t>();
  if (j->contains("awaiting_admin"))
    PROTO_ASSIGN(info.awaiting_admin, HexField(*j, "awaiting_admin"), "server info");
  return info;
}

std::string EncodeLeaseRequest(const LeaseRequest& r) {
  Json subjects = Json::array();
  for (const Hash32& s : r.subjects) subjects.push_back(EncodeHex(s));
  return Json{{"count", r.count}, {"subjects", subjects}}.dump();
}

Result<LeaseRequest> ParseLeaseRequest(std::string_view text) {
  auto j = ParseObject(text, "lease request");
  if (!j.ok()) return j.status();
  LeaseRequest r;
  PROTO_ASSIGN(r.count, UintField(*j, "count"), "lease request");
  if (r.count == 0 || r.count > kMaxLeaseCount)
    return Malformed("lease request", "count must be 1 to " + std::to_string(kMaxLeaseCount));
  auto it = j->find("subjects");
  if (it == j->end() || !it->is_array()) return Malformed("lease request", "no subjects array");
  if (it->size() > kMaxLeaseSubjects) return Malformed("lease request", "too many subjects");
  for (const auto& s : *it) {
    if (!s.is_string()) return Malformed("lease request", "a subject is not a string");
    auto h = DecodeHex32(s.get<std::string>());
    if (!h.ok()) return Malformed("lease request", "a subject is not 64 hex digits");
    r.subjects.push_back(*h);
  }
  return r;
}

std::string EncodeLease(const Lease& l) {
  Json about = Json::object();
  for (const auto& [user, seq] : l.last_about) about[EncodeHex(user)] = seq;
  return Json{{"token", l.token},
              {"count", l.count},
              {"seq", l.pos.seq},
              {"ledger", EncodeHex(l.pos.ledger_id)},
              {"prev", EncodeHex(l.pos.prev_id)},
              {"recorded_ns", l.pos.recorded_ns},
              {"format", l.format},
              {"last_about", about}}
      .dump();
}

Result<Lease> ParseLease(std::string_view text) {
  auto j = ParseObject(text, "lease");
  if (!j.ok()) return j.status();
  Lease l;
  PROTO_ASSIGN(l.token, StringField(*j, "token"), "lease");
  PROTO_ASSIGN(l.count, UintField(*j, "count"), "lease");
  PROTO_ASSIGN(l.pos.seq, UintField(*j, "seq"), "lease");
  PROTO_ASSIGN(l.pos.ledger_id, HexField(*j, "ledger"), "lease");
  PROTO_ASSIGN(l.pos.prev_id, HexField(*j, "prev"), "lease");
  uint64_t recorded = 0, format = 0;
  PROTO_ASSIGN(recorded, UintField(*j, "recorded_ns"), "lease");
  PROTO_ASSIGN(format, UintField(*j, "format"), "lease");
  if (recorded > static_cast<uint64_t>(INT64_MAX) || format > UINT32_MAX)
    return Malformed("lease", "out of range");
  l.pos.recorded_ns = static_cast<TimeNs>(recorded);
  l.format = static_cast<uint32_t>(format);
  auto about = j->find("last_about");
  if (about == j->end() || !about->is_object()) return Malformed("lease", "no last_about");
  for (const auto& [user, seq] : about->items()) {
    auto h = DecodeHex32(user);
    if (!h.ok() || !seq.is_number_unsigned()) return Malformed("lease", "bad last_about");
    l.last_about[*h] = seq.get<uint64_t>();
  }
  return l;
}

std::string EncodeAppendAnswer(const AppendAnswer& a) {
  return Json{{"first", a.first},
              {"count", a.count},
              {"last_id", EncodeHex(a.last_id)},
              {"recorded_ns", a.recorded_ns},
              {"promise", a.promise}}
      .dump();
}

Result<AppendAnswer> ParseAppendAnswer(std::string_view text) {
  auto j = ParseObject(text, "append answer");
  if (!j.ok()) return j.status();
  AppendAnswer a;
  PROTO_ASSIGN(a.first, UintField(*j, "first"), "append answer");
  PROTO_ASSIGN(a.count, UintField(*j, "count"), "append answer");
  PROTO_ASSIGN(a.last_id, HexField(*j, "last_id"), "append answer");
  uint64_t recorded = 0;
  PROTO_ASSIGN(recorded, UintField(*j, "recorded_ns"), "append answer");
  if (recorded > static_cast<uint64_t>(INT64_MAX)) return Malformed("append answer", "bad time");
  a.recorded_ns = static_cast<int64_t>(recorded);
  PROTO_ASSIGN(a.promise, StringField(*j, "promise"), "append answer");
  return a;
}

std::string PromiseText(const Promise& p) {
  return "custody/promise@v1\n" + p.origin + "\nfirst " + std::to_string(p.first) + "\ncount " +
         std::to_string(p.count) + "\nlast " + EncodeHex(p.last_id) + "\n";
}

Result<std::string> SignPromise(const SecretKey& notary, const Promise& p) {
  return SignNote(notary, p.origin, PromiseText(p), kPromiseTag);
}

Result<Promise> VerifyPromise(std::string_view note, const Hash32& notary) {
  auto parsed = ParseSignedNote(note);
  if (!parsed.ok()) return parsed.status();
  // The text is ours: parse it back by lines.
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < parsed->text.size()) {
    size_t nl = parsed->text.find('\n', at);
    lines.push_back(parsed->text.substr(at, nl - at));
    at = nl + 1;
  }
  Promise p;
  auto number = [](std::string_view line, std::string_view key, uint64_t* out) {
    if (line.substr(0, key.size()) != key) return false;
    line.remove_prefix(key.size());
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), *out);
    return ec == std::errc() && ptr == line.data() + line.size();
  };
  if (lines.size() != 5 || lines[0] != "custody/promise@v1" ||
      !number(lines[2], "first ", &p.first) || !number(lines[3], "count ", &p.count) ||
      lines[4].substr(0, 5) != "last ")
    return Status::VerificationFailed("promise: not a promise note");
  auto last = DecodeHex32(lines[4].substr(5));
  if (!last.ok()) return Status::VerificationFailed("promise: bad last id");
  p.last_id = *last;
  p.origin = lines[1];
  CUSTODY_RETURN_IF_ERROR(VerifyNote(*parsed, notary, p.origin, kPromiseTag));
  if (PromiseText(p) != parsed->text) return Status::VerificationFailed("promise: not canonical");
  return p;
}

std::string EncodeBackupRequest(const std::string& out_dir) {
  return Json{{"out", out_dir}}.dump();
}

Result<std::string> ParseBackupRequest(std::string_view text) {
  auto j = ParseObject(text, "backup request");
  if (!j.ok()) return j.status();
  std::string out;
  PROTO_ASSIGN(out, StringField(*j, "out"), "backup request");
  if (out.empty() || out[0] != '/' || out.size() > 4096 || out.find('\0') != std::string::npos)
    return Malformed("backup request", "out must be an absolute path on the server's machine");
  for (size_t at = 0; at < out.size();) {
    size_t next = out.find('/', at + 1);
    std::string_view part = std::string_view(out).substr(at + 1, next - at - 1);
    if (part == "." || part == "..") return Malformed("backup request", "no . or .. in out");
    at = next == std::string::npos ? out.size() : next;
  }
  return out;
}

std::string EncodeStaged(const Staged& s) {
  return Json{{"sha256", EncodeHex(s.sha256)}, {"size", s.size}}.dump();
}

Result<Staged> ParseStaged(std::string_view text) {
  auto j = ParseObject(text, "staged content");
  if (!j.ok()) return j.status();
  Staged s;
  PROTO_ASSIGN(s.sha256, HexField(*j, "sha256"), "staged content");
  PROTO_ASSIGN(s.size, UintField(*j, "size"), "staged content");
  return s;
}

unsigned HttpStatusOf(const Status& s) {
  using C = Status::Code;
  switch (s.code()) {
    case C::kOk:
      return 200;
    case C::kNotFound:
      return 404;
    case C::kInvalidArgument:
    case C::kUsage:
      return 400;
    case C::kUnauthorized:
      return 403;
    case C::kRejected:
    case C::kVerificationFailed:
      return 422;
    case C::kBusy:
      return 503;
    case C::kCorruption:
    case C::kIOError:
      return 500;
  }
  return 500;
}

std::string EncodeError(const Status& s) {
  return Json{{"code", static_cast<int>(s.code())}, {"error", s.message()}}.dump();
}

Status DecodeError(unsigned http_status, std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  std::string message = "HTTP " + std::to_string(http_status);
  int code = -1;
  if (j.is_object()) {
    auto e = j.find("error");
    if (e != j.end() && e->is_string()) message = Printable(e->get<std::string>());
    auto c = j.find("code");
    if (c != j.end() && c->is_number_integer()) code = c->get<int>();
  }
  if (http_status == 401) return Status::Unauthorized(message);
  if (http_status == 403) return Status::Unauthorized(message);
  if (code >= 1 && code <= 9 && code != static_cast<int>(Status::Code::kUsage))
    return Status::FromCode(static_cast<Status::Code>(code), message);
  if (http_status == 503 || http_status == 429) return Status::Busy(message);
  if (http_status >= 400 && http_status < 500) return Status::InvalidArgument(message);
  return Status::IOError(message);
}

Result<Target> ParseTarget(std::string_view target) {
  Target t;
  const size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return Status::InvalidArgument("bad query");
    std::string_view name = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (name == "token") {
      if (!t.token.empty() || value.empty() ||
          value.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
              std::string_view::npos)
        return Status::InvalidArgument("bad or repeated token");
      t.token = std::string(value);
      continue;
    }
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
        (value.size() > 1 && value[0] == '0'))
      return Status::InvalidArgument("bad query value for " + std::string(name));
    if (!t.params.emplace(std::string(name), v).second)
      return Status::InvalidArgument("repeated query parameter " + std::string(name));
  }
  return t;
}

std::optional<BoardPath> ParseBoardPath(std::string_view path) {
  if (path.substr(0, kIncidents.size()) != kIncidents) return std::nullopt;
  path.remove_prefix(kIncidents.size());
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto incident = ParseIncidentName(path.substr(0, slash));
  if (!incident.ok()) return std::nullopt;
  const std::string_view rest = path.substr(slash);
  BoardPath b;
  b.incident = *incident;
  if (rest == "/board")
    b.kind = BoardPath::kPage;
  else if (rest == "/board/state")
    b.kind = BoardPath::kState;
  else if (rest == "/board/events")
    b.kind = BoardPath::kEvents;
  else
    return std::nullopt;
  return b;
}

std::string BoardPagePath(uint64_t incident) {
  return std::string(kIncidents) + IncidentName(incident) + "/board";
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name)
      return std::string(pair.substr(eq + 1));
  }
  return std::string();
}

}  // namespace custody::proto
