#include "projections/html_document.h"

#include "projections/render.h"

namespace custody {
namespace {

// Screen first, then print. A table's columns are as narrow as their longest unbreakable piece:
// an ordinary word, a short token (it may break after its "…"), or nothing at all for a long word
// (span.long may break anywhere), so that a table always fits the page and the What column keeps
// its room. Printed: 9.5 pt body text, 8.5 pt in tables (seven columns fit across A4 with room
// for the What column), nothing under 8 pt; 12 mm margins on any paper; table headers repeated on
// each page, rows and list items kept whole.
constexpr std::string_view kStyle =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;margin:1.5em;"
    "color:#1a1a1a;background:#fff;overflow-wrap:break-word}\n"
    "h1{font-size:1.4em;margin:0 0 .3em}\n"
    "h2{font-size:1.15em;margin:1.4em 0 .4em}\n"
    ".meta{color:#444;margin:0 0 1em}\n"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:max(.9em,8pt)}"
    "\n"
    "table{border-collapse:collapse;margin:.5em 0 1em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}\n"
    ".long{overflow-wrap:anywhere}\n"
    ".nw{white-space:nowrap}\n"
    ".ref{font-size:.72em;line-height:0;margin-left:.1em}\n"
    ".ref a{color:#555;text-decoration:none}\n"
    ".values ol{padding-left:2.5em}\n"
    ".values code{word-break:break-all}\n"
    "@page{margin:12mm}\n"
    "@media "
    "print{body{font-size:9.5pt;margin:0;max-width:none}a{color:inherit;text-decoration:none}"
    "table{font-size:8.5pt}th,td{padding:.2em .35em}thead{display:table-header-group}"
    "tr,li{break-inside:avoid}h1,h2{break-after:avoid}"
    ".ref{font-size:8pt}}\n";

// Tokens longer than this, other than npubs and hex, are shown short.
constexpr size_t kLongToken = 48;
// Words longer than this (in characters) may break anywhere.
constexpr size_t kLongWord = 20;
// Hex this long or longer is a hash, an id or a key: shown short.
constexpr size_t kLongHex = 32;
// What a short form made elsewhere keeps of a hex value, at least.
constexpr size_t kMinHexPrefix = 8;
constexpr std::string_view kEllipsis = "…";
constexpr std::string_view kNpubPrefix = "npub1";
constexpr size_t kNpubData = 58;  // bech32 characters after "npub1" (32 bytes and a checksum)

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsBech32(char c) {
  return c != '\0' &&
         std::string_view("qpzry9x8gf2tvdw0s3jn54khce6mua7l").find(c) != std::string_view::npos;
}
// Where a token may end: the end of the text, or anything but a letter or digit.
bool EndsAt(std::string_view s, size_t i) { return i >= s.size() || !IsAlnum(s[i]); }

size_t Span(std::string_view s, size_t from, bool (*in)(char)) {
  size_t i = from;
  while (i < s.size() && in(s[i])) ++i;
  return i - from;
}

bool IsNpub(std::string_view s) {
  return s.size() == kNpubPrefix.size() + kNpubData &&
         s.substr(0, kNpubPrefix.size()) == kNpubPrefix &&
         Span(s, kNpubPrefix.size(), IsBech32) == kNpubData;
}
bool IsLongHex(std::string_view s) { return s.size() >= kLongHex && Span(s, 0, IsHex) == s.size(); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// "2026-12-02": a narrow column must not break it after a hyphen.
bool IsDate(std::string_view w) {
  if (w.size() != 10) return false;
  for (size_t i = 0; i < w.size(); ++i)
    if (i == 4 || i == 7 ? w[i] != '-' : !(w[i] >= '0' && w[i] <= '9')) return false;
  return true;
}

// Escaped as HtmlEscape does, each word longer than kLongWord characters in a span.long and each
// date in a span.nw.
std::string EscapeWords(std::string_view s, bool breaks) {
  std::string out;
  size_t plain = 0;
  for (size_t i = 0; i < s.size();) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    size_t end = i, chars = 0;
    for (; end < s.size() && !IsSpace(s[end]); ++end)
      chars += (static_cast<unsigned char>(s[end]) & 0xC0) != 0x80;
    const char* span = chars > kLongWord ? "long" : IsDate(s.substr(i, end - i)) ? "nw" : nullptr;
    if (span) {
      out += HtmlEscape(s.substr(plain, i - plain), breaks) + "<span class=\"" + span + "\">" +
             HtmlEscape(s.substr(i, end - i)) + "</span>";
      plain = end;
    }
    i = end;
  }
  return out + HtmlEscape(s.substr(plain), breaks);
}

// Backs `i` up to the start of the UTF-8 character it is in.
size_t CharStart(std::string_view s, size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

}  // namespace

std::string HtmlDocumentStart(std::string_view title, std::string_view style) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         // Nothing here loads or runs anything; the policy makes sure of it even if a future edit
         // slips.
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
         "'unsafe-inline'\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>" +
         HtmlEscape(title) + "</title>\n<style>\n" + std::string(kStyle) + std::string(style) +
         "</style>\n</head>\n<body>\n";
}

std::string HtmlDocumentEnd() { return "</body>\n</html>\n"; }

std::string ShortToken(std::string_view full) {
  if (IsNpub(full)) return ShortNpubText(std::string(full));
  if (IsLongHex(full)) return std::string(full.substr(0, 16)) + std::string(kEllipsis);
  if (full.size() <= kLongToken) return std::string(full);
  const size_t head = CharStart(full, 32), tail = CharStart(full, full.size() - 12);
  return std::string(full.substr(0, head)) + std::string(kEllipsis) +
         std::string(full.substr(tail));
}

void HtmlTokens::Know(std::string_view full) {
  if (!full.empty()) known_.emplace(full);
}

std::string HtmlTokens::Resolve(std::string_view prefix, std::string_view suffix) const {
  std::string found;
  for (auto it = known_.lower_bound(prefix);
       it != known_.end() && std::string_view(*it).substr(0, prefix.size()) == prefix; ++it) {
    const std::string_view v = *it;
    if (v.size() <= prefix.size() + suffix.size() || v.substr(v.size() - suffix.size()) != suffix)
      continue;
    if (!found.empty() && found != v) return "";
    found = v;
  }
  return found;
}

std::string HtmlTokens::Value(std::string_view full, std::string_view shown) {
  const std::string short_form = shown.empty() ? ShortToken(full) : std::string(shown);
  if (short_form == full) return HtmlEscape(full);
  auto [it, added] = number_.emplace(std::string(full), listed_.size() + 1);
  if (added) listed_.emplace_back(full);
  const std::string n = std::to_string(it->second);
  // A narrow column may break a short form after its "…", nowhere else.
  std::string shown_html = HtmlEscape(short_form);
  const size_t cut = shown_html.find(kEllipsis);
  if (cut != std::string::npos && cut + kEllipsis.size() < shown_html.size())
    shown_html.insert(cut + kEllipsis.size(), "<wbr>");
  return "<span class=\"tok\" title=\"" + HtmlEscape(full) + "\">" + shown_html +
         "</span><sup class=\"ref\"><a href=\"#v" + n + "\">" + n + "</a></sup>";
}

// Invariant: s[*at] starts a word (EndsAt(s, *at - 1) held), so a token is never
// taken from the middle of a longer word.
std::string HtmlTokens::TokenAt(std::string_view s, size_t* at) {
  const size_t i = *at;
  const std::string_view rest = s.substr(i);
  if (rest.substr(0, kNpubPrefix.size()) == kNpubPrefix) {
    const size_t data = Span(s, i + kNpubPrefix.size(), IsBech32),
                 end = i + kNpubPrefix.size() + data;
    if (data == kNpubData && EndsAt(s, end)) {  // a full npub
      *at = end;
      return Value(s.substr(i, end - i));
    }
    // ShortNpubText's form: "npub1" and 8 characters, "…", the last 4.
    if (data == 8 && s.substr(end, kEllipsis.size()) == kEllipsis &&
        Span(s, end + kEllipsis.size(), IsBech32) == 4 && EndsAt(s, end + kEllipsis.size() + 4)) {
      const std::string full = Resolve(s.substr(i, end - i), s.substr(end + kEllipsis.size(), 4));
      if (!full.empty()) {
        *at = end + kEllipsis.size() + 4;
        return Value(full, s.substr(i, *at - i));
      }
    }
    return "";
  }
  if (IsHex(s[i])) {
    const size_t end = i + Span(s, i, IsHex);
    if (end - i >= kMinHexPrefix && s.substr(end, kEllipsis.size()) == kEllipsis) {
      // A short form such as DescribeEvent's "6c50b422461d0b0d…".
      const std::string full = Resolve(s.substr(i, end - i), "");
      if (!full.empty()) {
        *at = end + kEllipsis.size();
        return Value(full, s.substr(i, *at - i));
      }
    }
    if (end - i >= kLongHex && EndsAt(s, end)) {
      *at = end;
      return Value(s.substr(i, end - i));
    }
    return "";
  }
  if (rest.substr(0, 7) == "http://" || rest.substr(0, 8) == "https://") {
    size_t end = i;
    while (end < s.size() &&
           std::string_view(" \t\r\n<>\"'").find(s[end]) == std::string_view::npos)
      ++end;
    // Punctuation that ends a sentence is not part of the URL.
    while (end > i && std::string_view(".,;:!?)").find(s[end - 1]) != std::string_view::npos) --end;
    if (end - i > kLongToken) {
      *at = end;
      return Value(s.substr(i, end - i));
    }
  }
  return "";
}

std::string HtmlTokens::Text(std::string_view s, bool breaks) {
  std::string out;
  size_t plain = 0;  // start of the text not yet written
  for (size_t i = 0; i < s.size();) {
    if (i == 0 || EndsAt(s, i - 1)) {
      size_t at = i;
      const std::string token = TokenAt(s, &at);
      if (!token.empty()) {
        // A token never holds a line break, so "\r\n" is never split between two calls.
        out += EscapeWords(s.substr(plain, i - plain), breaks) + token;
        i = plain = at;
        continue;
      }
    }
    ++i;
  }
  return out + EscapeWords(s.substr(plain), breaks);
}

std::string HtmlTokens::List() const {
  if (listed_.empty()) return "";
  std::string out =
      "<section class=\"values\" id=\"values\">\n<h2>Full values</h2>\n"
      "<p class=\"meta\">Values shown short above, in full: the small number after a short value "
      "is its number here (hover over the value to see it too).</p>\n<ol>\n";
  for (size_t i = 0; i < listed_.size(); ++i)
    out += "<li id=\"v" + std::to_string(i + 1) + "\"><code>" + HtmlEscape(listed_[i]) +
           "</code></li>\n";
  return out + "</ol>\n</section>\n";
}

}  // namespace custody
