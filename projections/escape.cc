// Escaping text written by people for the formats the projections write:
// HTML (the timeline) and Markdown (the PIR report, the timeline's .md).
#include "projections/render.h"

namespace custody {

std::string HtmlEscape(std::string_view s, bool breaks) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\r':
      case '\n':
        if (!breaks) {
          out += c;
          break;
        }
        if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        out += "<br>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Text inside a table cell or the heading. Backslash-escapes the ASCII punctuation that would
// change how the line renders (CommonMark lets any ASCII punctuation be escaped): `|` would end the
// cell, `~` `*` `_` `` ` `` would start formatting, `[` `]` a link, `<` `>` `&` raw HTML or an
// entity, `#` a heading's closing sequence. A cell is one line, so line breaks become <br>
// (GitHub's table convention) or, in the heading, a space.
std::string MdEscape(std::string_view s, bool breaks) {
  static constexpr std::string_view kSpecial = "\\`*_~[]<>|&#";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += breaks ? "<br>" : " ";
      continue;
    }
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace custody
