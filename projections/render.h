// Renderings of events for people and programs: one JSON object per event
// (the --json form of log and show), a one-line summary and a human sentence.
// Pure functions of the event; the same event always renders the same bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"

namespace custody {

// A human sentence saying what the event records, e.g.
// "granted responder to npub1…" or "note: rotated the relay key".
std::string DescribeEvent(const fb::Event& e);

// Every field of the event, keys in a fixed order.
nlohmann::ordered_json EventToJson(const SignedEvent& ev, const Hash32& id);

// The npubs and 64-hex hashes the event carries in full (its author, its
// subjects, then its payload's, in the order of its --json fields), each once:
// DescribeEvent's sentence may show them short, and an HTML rendering links such
// a short form to its full value (projections/html_document.h).
std::vector<std::string> EventValues(const fb::Event& e);

// "#12  2026-11-20 10:03:00Z  npub1abcd…wxyz  note  text".
std::string EventLine(const SignedEvent& ev);

// A multi-line rendering of every field, for `show`.
std::string EventDetail(const SignedEvent& ev, const Hash32& id);

// Escapes & < > " ' for HTML text and quoted attributes; with breaks, line
// breaks become <br>.
std::string HtmlEscape(std::string_view s, bool breaks = false);
// Markdown text for one line (a table cell, a heading, a list item, a
// paragraph): every ASCII punctuation mark that would change how it renders is
// backslash-escaped; line breaks become <br> with breaks, else a space.
std::string MdEscape(std::string_view s, bool breaks);

// A reconciliation's discrepancies, one phrase each ("receiver balance
// 98,000 sat vs proofs 97,000 sat"); none when it reconciles.
std::vector<std::string> Discrepancies(const ReconciliationPayload& r);

// "npub1abcdefgh…wxyz": recognisable, short.
std::string ShortNpub(const Hash32& key);
// The same short form of an npub string (one of 17 characters or fewer as it is).
std::string ShortNpubText(const std::string& npub);
// npub strings in that short form, comma-separated; "" for none.
std::string ShortNpubList(const std::vector<std::string>& npubs);

}  // namespace custody
