#include "server/web.h"

#include <algorithm>

#include "ledger/base/encoding.h"
#include "ledger/event.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "projections/render.h"
#include "server/web/board.css.h"
#include "server/web/board.html.h"
#include "server/web/board.js.h"
#include "server/web/signin.html.h"
#include "server/web/signin.js.h"

namespace custody {
namespace {

// Pages run this server's script and style and nothing else: no inline
// script, no other origin, no framing, no form posted elsewhere.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void PageHeaders(Response* r) {
  r->headers.push_back({"Content-Security-Policy", kPagePolicy});
  r->headers.push_back({"X-Content-Type-Options", "nosniff"});
  r->headers.push_back({"X-Frame-Options", "DENY"});
  r->headers.push_back({"Referrer-Policy", "no-referrer"});
}

// Replaces every "{{NAME}}" in page with value (already escaped).
std::string Fill(std::string page, std::string_view name, const std::string& value) {
  const std::string mark = "{{" + std::string(name) + "}}";
  for (size_t at = page.find(mark); at != std::string::npos;
       at = page.find(mark, at + value.size()))
    page.replace(at, mark.size(), value);
  return page;
}

}  // namespace

Response ErrorResponse(const Status& s, unsigned status) {
  Response r;
  r.status = status ? status : proto::HttpStatusOf(s);
  r.body = proto::EncodeError(s);
  return r;
}

Response Text(std::string body, std::string type) {
  Response r;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

Response Redirect(const std::string& path) {
  Response r = Text("see " + path + "\n");
  r.status = 303;
  r.headers.push_back({"Location", path});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  return r;
}

Response BoardPage() {
  Response r = Text(std::string(kWeb_board_html), "text/html; charset=utf-8");
  PageHeaders(&r);
  return r;
}

Response SigninPage(std::string_view public_url, uint64_t incident, std::string_view message,
                    unsigned status) {
  std::string page(kWeb_signin_html);
  page = Fill(page, "PUBLIC_URL", HtmlEscape(public_url));
  page = Fill(page, "NEXT", incident ? HtmlEscape(proto::BoardPagePath(incident)) : std::string());
  page = Fill(page, "INCIDENT", incident ? HtmlEscape(IncidentName(incident)) : "INC-n");
  page = Fill(page, "MESSAGE", HtmlEscape(message));
  Response r = Text(std::move(page), "text/html; charset=utf-8");
  r.status = status;
  PageHeaders(&r);
  return r;
}

std::optional<Response> Asset(std::string_view name) {
  Response r;
  if (name == "board.js")
    r = Text(std::string(kWeb_board_js), "text/javascript; charset=utf-8");
  else if (name == "board.css")
    r = Text(std::string(kWeb_board_css), "text/css; charset=utf-8");
  else if (name == "signin.js")
    r = Text(std::string(kWeb_signin_js), "text/javascript; charset=utf-8");
  else
    return std::nullopt;
  // They change only with the server's version: cached a little, checked again.
  r.cache_control = "no-cache";
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return r;
}

Response EventStream(uint64_t incident, const Hash32& key) {
  Response r;
  r.content_type = "text/event-stream";
  r.headers.push_back({"X-Accel-Buffering", "no"});
  r.stream = true;
  r.stream_incident = incident;
  r.stream_key = key;
  return r;
}

std::string SessionCookie(std::string_view value, bool secure) {
  std::string c = std::string(proto::kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict";
  c += value.empty() ? "; Max-Age=0" : "; Max-Age=" + std::to_string(12 * 3600);
  if (secure) c += "; Secure";
  return c;
}

Result<SigninClaim> CheckSignin(std::string_view event_json, std::string_view method,
                                std::string_view public_url, int64_t now, int64_t not_before,
                                int64_t max_age_s) {
  Nip98Expect expect;
  expect.method = std::string(method);
  expect.now = now;
  expect.not_before = not_before;
  expect.max_age_s = max_age_s;
  auto auth = CheckNip98Event(event_json, expect);
  if (!auth.ok()) return auth.status();
  // The u tag names the board it opens, on this server.
  std::string_view u = auth->url;
  std::optional<proto::BoardPath> board;
  if (u.substr(0, public_url.size()) == public_url)
    board = proto::ParseBoardPath(u.substr(public_url.size()));
  if (!board || board->kind != proto::BoardPath::kPage)
    return Status::Unauthorized("NIP-98 auth: the sign-in does not name a board of " +
                                std::string(public_url));
  return SigninClaim{auth->pubkey, auth->event_id, auth->created_at, board->incident};
}

bool ReplayGuard::Use(const Hash32& id, int64_t created_at, int64_t now) {
  // An event is accepted at most kSigninTokenSeconds after it was made (a
  // request's, kNip98WindowSeconds): remembered twice as long as that.
  constexpr int64_t kKeep = 2 * std::max(kNip98WindowSeconds, kSigninTokenSeconds);
  std::lock_guard lock(mu_);
  while (!by_time_.empty() && by_time_.begin()->first < now - kKeep) {
    seen_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
  if (!seen_.insert(id).second) return false;
  by_time_.emplace(created_at, id);
  return true;
}

Response TileResponse(std::string bytes, bool public_tile) {
  Response r = Text(std::move(bytes), "application/octet-stream");
  r.cache_control =
      std::string(public_tile ? "public" : "private") + ", max-age=31536000, immutable";
  if (public_tile) r.headers.push_back({"Access-Control-Allow-Origin", "*"});
  return r;
}

Response CheckpointResponse(std::string note) {
  Response r = Text(std::move(note));
  r.cache_control = "public, max-age=2";
  r.headers.push_back({"Access-Control-Allow-Origin", "*"});
  return r;
}

}  // namespace custody
