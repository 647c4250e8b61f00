// The HTML documents' shared pieces: long tokens shown short with their full value on hover and
// in the Full values list, short forms made elsewhere linked to the value they stand for, text
// escaped, long words and dates marked for the stylesheet, and the page around it all loading
// nothing.
#include "projections/html_document.h"

#include <catch2/catch.hpp>
#include <string>

#include "ledger/base/encoding.h"

using namespace custody;

namespace {

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

size_t Count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// A real npub (valid bech32 characters), its short form, and two hashes.
const std::string kNpub = EncodeNpub(Hash32{});
const std::string kNpubHead = kNpub.substr(0, 13), kNpubTail = kNpub.substr(kNpub.size() - 4);
const std::string kHash = std::string(32, 'a') + std::string(32, '0');
const std::string kOther = std::string(32, 'a') + std::string(32, '1');

}  // namespace

TEST_CASE(
    "HtmlTokens: npubs, hashes and long URLs are shown short, in full on hover and in the list",
    "[html]") {
  HtmlTokens t;
  const std::string url = "https://git.example/wallet-api/commit/3f786850e387550fdab836ed7e6dc881";
  const std::string html = t.Text("key " + kNpub + ": root " + kHash + ", see " + url + ".");
  CHECK(Has(html, "<span class=\"tok\" title=\"" + kNpub + "\">" + kNpubHead + "…<wbr>" +
                      kNpubTail + "</span><sup class=\"ref\"><a href=\"#v1\">1</a></sup>:"));
  CHECK(Has(html, "<span class=\"tok\" title=\"" + kHash +
                      "\">aaaaaaaaaaaaaaaa…</span>"
                      "<sup class=\"ref\"><a href=\"#v2\">2</a></sup>,"));
  // The sentence's full stop is not part of the URL.
  CHECK(Has(html, "title=\"" + url + "\">https://git.example/wallet-api/c…<wbr>36ed7e6dc881"));
  CHECK(Has(html, "<a href=\"#v3\">3</a></sup>."));
  // Nothing is shown in full outside the titles.
  CHECK(Count(html, kNpub) == 1);
  CHECK(Count(html, kHash) == 1);
  const std::string list = t.List();
  CHECK(Has(list, "<h2>Full values</h2>"));
  CHECK(Has(list, "<li id=\"v1\"><code>" + kNpub +
                      "</code></li>\n"
                      "<li id=\"v2\"><code>" +
                      kHash +
                      "</code></li>\n"
                      "<li id=\"v3\"><code>" +
                      url + "</code></li>\n"));
}

TEST_CASE("HtmlTokens: a value used again keeps its number, numbers follow first use", "[html]") {
  HtmlTokens t;
  const std::string first = t.Text(kHash + " " + kOther + " " + kHash);
  CHECK(Count(first, "href=\"#v1\"") == 2);
  CHECK(Count(first, "href=\"#v2\"") == 1);
  CHECK(Has(t.Value(kOther), "href=\"#v2\""));
  CHECK(Count(t.List(), "<li ") == 2);
  // The same calls, the same bytes.
  HtmlTokens again;
  CHECK(again.Text(kHash + " " + kOther + " " + kHash) == first);
  CHECK(again.List() == t.List());
}

TEST_CASE("HtmlTokens: short forms made elsewhere link to the one known value they stand for",
          "[html]") {
  HtmlTokens t;
  t.Know(kNpub);
  t.Know(kHash);
  t.Know(kOther);
  const std::string short_npub = kNpubHead + "…" + kNpubTail;
  const std::string html = t.Text("by " + short_npub + ", sha256 " + kHash.substr(0, 40) +
                                  "… and " + kHash.substr(0, 16) + "…");
  CHECK(Has(html, "title=\"" + kNpub + "\">" + kNpubHead + "…<wbr>" + kNpubTail + "</span>"));
  // 40 digits tell the two hashes apart; 16 "a"s do not, so that one stays as it was.
  CHECK(Has(html, "title=\"" + kHash + "\">" + kHash.substr(0, 40) + "…</span>"));
  CHECK(Has(html, " and " + kHash.substr(0, 16) + "…"));
  CHECK(Count(html, "class=\"tok\"") == 2);
  // An unknown short form stays as it was; so does the value of a form it does not end with.
  HtmlTokens none;
  const std::string other_end = kNpubHead + "…zzzz";
  CHECK(none.Text("by " + short_npub) == "by " + short_npub);
  CHECK(t.Text("by " + other_end) == "by " + other_end);
  CHECK(none.List().empty());
}

TEST_CASE("HtmlTokens: tokens are never taken from inside a longer word", "[html]") {
  HtmlTokens t;
  for (const std::string& word : {"x" + kNpub, kNpub + "x", kHash + "g", "z" + kHash}) {
    INFO(word);
    CHECK_FALSE(Has(t.Text(word), "class=\"tok\""));
  }
  // Short hex and short URLs are left as they are.
  CHECK(t.Text("commit 3f786850e387 at https://x.example/a") ==
        "commit 3f786850e387 at https://x.example/a");
  CHECK(t.List().empty());
}

TEST_CASE("HtmlTokens: text is escaped, long words may break anywhere, dates never", "[html]") {
  HtmlTokens t;
  CHECK(t.Text("<b>x</b> & \"q\" 'y'") == "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;y&#39;");
  CHECK(t.Text("a\r\nb", true) == "a<br>b");
  CHECK(t.Text("a\nb", false) == "a\nb");
  CHECK(t.Text("from api-1:/var/log/wallet-api.log today") ==
        "from <span class=\"long\">api-1:/var/log/wallet-api.log</span> today");
  CHECK(t.Text("due 2026-12-02 10:16:00Z") == "due <span class=\"nw\">2026-12-02</span> 10:16:00Z");
  // A word of 20 characters is an ordinary word; 20 characters of UTF-8 too.
  CHECK(t.Text(std::string(20, 'w')) == std::string(20, 'w'));
  std::string accents;
  for (int i = 0; i < 20; ++i) accents += "é";
  CHECK(t.Text(accents) == accents);
  CHECK(Has(t.Text(accents + "é"), "class=\"long\""));
}

TEST_CASE("HtmlTokens: a value shown as itself is not listed", "[html]") {
  HtmlTokens t;
  CHECK(t.Value("") == "");
  CHECK(t.Value("INC-7 & co") == "INC-7 &amp; co");
  CHECK(t.Value("npub1short") == "npub1short");
  CHECK(t.List().empty());
  // Shown as given: the author column passes its own short form.
  CHECK(Has(t.Value(kNpub, "npub1…" + kNpubTail), ">npub1…<wbr>" + kNpubTail + "</span>"));
}

TEST_CASE("ShortToken: npubs, hex and other long tokens, cut on character boundaries", "[html]") {
  CHECK(ShortToken(kNpub) == kNpubHead + "…" + kNpubTail);
  CHECK(ShortToken(kHash) == kHash.substr(0, 16) + "…");
  CHECK(ShortToken(std::string(48, 'x')) == std::string(48, 'x'));
  CHECK(ShortToken(std::string(49, 'x')) == std::string(32, 'x') + "…" + std::string(12, 'x'));
  // "é" is two bytes: a cut at byte 32 or 12 from the end would split one.
  std::string word = "x";
  for (int i = 0; i < 40; ++i) word += "é";
  const std::string cut = ShortToken(word);
  CHECK(IsWellFormedUtf8(cut));
  CHECK(cut.size() < word.size());
}

TEST_CASE("HtmlDocumentStart: UTF-8, a policy that loads nothing, print rules, title escaped",
          "[html]") {
  const std::string head = HtmlDocumentStart("INC-7 <x> & \"y\"", ".own{color:red}\n");
  CHECK(head.rfind("<!DOCTYPE html>\n", 0) == 0);
  CHECK(Has(head, "<meta charset=\"utf-8\">"));
  CHECK(Has(head, "content=\"default-src 'none'; style-src 'unsafe-inline'\""));
  CHECK(Has(head, "<title>INC-7 &lt;x&gt; &amp; &quot;y&quot;</title>"));
  CHECK(Has(head, "@page{margin:12mm}"));
  CHECK(Has(head, "@media print{body{font-size:9.5pt"));
  // The document's own rules come after the shared ones, so they may override them.
  CHECK(head.find(".own{color:red}") > head.find("@media print"));
  CHECK(head.substr(head.size() - 7) == "<body>\n");
  CHECK(HtmlDocumentEnd() == "</body>\n</html>\n");
  for (const char* banned : {"http://", "https://", "<script", "url(", "src="}) {
    INFO(banned);
    CHECK_FALSE(Has(head, banned));
  }
}
