// What the self-contained HTML documents of the projections share (the
// incident timeline, projections/timeline.h; the PIR report,
// projections/pir.h): the page around a body, one stylesheet for the screen
// and for print, and long tokens shown short with their full values listed at
// the end of the document.
//
// Such a document loads nothing and runs nothing. Everything here is a pure
// function of its input: the same calls in the same order give the same bytes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace custody {

// "<!DOCTYPE html>" up to and including "<body>\n": UTF-8, a content security
// policy that allows the inline stylesheet and nothing else, the shared
// stylesheet and then `style` (the document's own rules). `title` is text; it
// is escaped here.
std::string HtmlDocumentStart(std::string_view title, std::string_view style);
// "</body>\n</html>\n".
std::string HtmlDocumentEnd();

// The long tokens of one document. npubs, hex hashes (32 hex digits or more)
// and URLs longer than 48 characters are shown short ("npub1abcdefgh…wxyz",
// "6c50b422461d0b0d…") with the full value on hover (a title attribute) and a
// numbered reference to the "Full values" list at the end (List()), so that a
// printed page carries it too. Numbers follow first use; a value used again
// keeps its number. Any other long text is left to wrap (the stylesheet).
//
// One per document; not thread-safe.
class HtmlTokens {
 public:
  // A value the document may show in a short form made elsewhere (a sentence
  // from DescribeEvent says "npub1abcdefgh…wxyz" or "sha256 6c50b422461d0b0d…"):
  // such a form gets the full value's title and reference when exactly one
  // known value matches it.
  void Know(std::string_view full);

  // `s` as HTML text, escaped as HtmlEscape does (line breaks become <br> with
  // `breaks`), each long token and each short form of a known value marked up
  // as Value() does, any other word longer than 20 characters in a
  // <span class="long"> that may break anywhere, and a date ("2026-12-02") in
  // a <span class="nw"> that does not break.
  std::string Text(std::string_view s, bool breaks = false);

  // One value shown as `shown`, by default its short form:
  // <span class="tok" title="FULL">SHORT</span><sup class="ref"><a href="#vN">N</a></sup>,
  // with a <wbr> after the short form's "…".
  // A value whose shown form is the value itself (a short one) is just escaped.
  std::string Value(std::string_view full, std::string_view shown = {});

  // <section class="values" id="values">…<ol>, one <li id="vN"> per value, in
  // full, in the order of their numbers; "" when no value was shortened.
  std::string List() const;

 private:
  // The marked-up token starting at s[at], advancing *at past it; "" (and *at
  // unchanged) when none starts there.
  std::string TokenAt(std::string_view s, size_t* at);
  // The one known value starting with `prefix` and ending with `suffix`; ""
  // when none or several do.
  std::string Resolve(std::string_view prefix, std::string_view suffix) const;

  std::set<std::string, std::less<>> known_;
  std::vector<std::string> listed_;                    // listed_[N - 1] is value N
  std::map<std::string, size_t, std::less<>> number_;  // value -> N
};

// The short form of a long token: an npub as ShortNpubText, hex as its first 16
// digits and "…", anything else longer than 48 characters as its first 32 and
// last 12 (cut on UTF-8 character boundaries); otherwise the token itself.
std::string ShortToken(std::string_view full);

}  // namespace custody
