// The renderings an export writes beside the events: data/events/<seq>.txt,
// data/report.md and data/timeline.md. They are informative (docs/package.md):
// the signed events are the evidence, and verify-package checks the
// renderings only as files the bag's manifests and signature cover, never
// against today's wording, so a package verifies with every later release.
#include "evidence/export/renderings.h"

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"
#include "projections/render.h"

namespace custody::package {
namespace {

// Markdown table cells: a '|' would end the cell.
std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string ReportMarkdown(const Index& x, const std::vector<const SignedEvent*>& events) {
  std::string out = "# Evidence package: " + Cell(Printable(x.ledger_name)) + "\n\n";
  size_t included = 0, listed = 0;
  for (const auto& b : x.blobs) (b.included ? included : listed)++;
  out += "| | |\n| --- | --- |\n";
  out += "| Ledger | `" + CheckpointOrigin(x.ledger_id) + "` |\n";
  out += "| Selection | " + SelectionText(x) + " |\n";
  out += "| Checkpoint | " + std::to_string(x.checkpoint_size) + " events, root `" +
         EncodeHex(x.checkpoint_root) + "` |\n";
  out += "| Exporter | `" + EncodeNpub(x.exporter) + "` |\n";
  out += "| Events | " + std::to_string(x.events.size()) + " selected; " +
         std::to_string(x.membership.size()) + " membership events show who held which role |\n";
  out += "| Snapshots | " + std::to_string(included) + " included, " + std::to_string(listed) +
         " listed by hash and size only (attached to other users too) |\n\n";
  out +=
      "## Events\n\nAll times UTC.\n\n| seq | occurred | recorded | author | type | what |\n| --- "
      "| --- | --- | --- | --- | --- |\n";
  for (const SignedEvent* ev : events) {
    const fb::Event& e = ev->event();
    out += "| " + std::to_string(e.seq()) + " | " + FormatTime(e.occurred_ns()) + " | " +
           FormatTime(e.recorded_ns()) + " | `" + ShortNpub(ToHash(e.author())) + "` | " +
           std::string(PayloadTypeName(e.payload_type())) + " | " + Cell(DescribeEvent(e)) + " |\n";
  }
  if (!x.blobs.empty()) {
    out += "\n## Snapshots\n\n| sha256 | bytes | in this package |\n| --- | --- | --- |\n";
    for (const auto& b : x.blobs)
      out += "| `" + EncodeHex(b.sha256) + "` | " + std::to_string(b.size) + " | " +
             (b.included ? "yes, `" + BlobPath(b.sha256) + "`" : "no: shared with other users") +
             " |\n";
  }
  out += "\n## How to check this package\n\n";
  out +=
      "`custody verify-package DIR --trust NPUB`, where NPUB is the checkpoint signer's key as you "
      "know it\n"
      "from a source other than this package. It checks the BagIt manifests, the exporter's "
      "signature and\n"
      "role, every event's id and signatures and its author's role, every inclusion proof against "
      "the\n"
      "signed checkpoint, that the per-user back-links leave no gap, every snapshot's hash, and "
      "that\n"
      "README.txt describes the package. This report and the timeline are summaries for "
      "reading;\n"
      "the signed events are the evidence. README.txt, at the top of the package, says how to "
      "check\n"
      "it without Custody.\n";
  return out;
}

std::string TimelineMarkdown(const Index& x, const std::vector<const SignedEvent*>& events) {
  std::vector<const SignedEvent*> sorted = events;
  std::stable_sort(sorted.begin(), sorted.end(), [](const SignedEvent* a, const SignedEvent* b) {
    return a->event().occurred_ns() < b->event().occurred_ns();
  });
  std::string out = "# Timeline: " + SelectionText(x) +
                    "\n\nIn occurred-time order, UTC. Recorded time is shown where "
                    "it is more than a minute after occurred time.\n\n";
  for (const SignedEvent* ev : sorted) {
    const fb::Event& e = ev->event();
    out += "- " + FormatTime(e.occurred_ns()) + "  #" + std::to_string(e.seq()) + "  " +
           ShortNpub(ToHash(e.author())) + "  " + DescribeEvent(e);
    if (e.recorded_ns() - e.occurred_ns() > 60LL * 1000000000)
      out += " (recorded " + FormatTime(e.recorded_ns()) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace custody::package
