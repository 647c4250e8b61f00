// custody import FILE|-: bulk append from JSON Lines. Every line is validated
// (parsed and checked against the chain rules and permissions as if appended)
// before any is written; then lines are appended in synced batches, signed on
// every core.
#include <cstdio>
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/store/import.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

// Lines read and parsed at a time; Append writes them in synced batches of
// AppendOptions::batch_size.
constexpr size_t kImportChunk = 65536;

// Reads lines of at most kMaxImportLine bytes, in bounded memory.
class LineReader {
 public:
  explicit LineReader(FILE* f) : f_(f) {}
  // Returns false at end of input; sets *too_long for an over-long line.
  bool Next(std::string* line, bool* too_long) {
    line->clear();
    *too_long = false;
    int c;
    bool any = false;
    while ((c = std::getc(f_)) != EOF) {
      any = true;
      if (c == '\n') return true;
      if (line->size() >= kMaxImportLine) {
        *too_long = true;
        continue;
      }
      line->push_back(static_cast<char>(c));
    }
    return any;
  }
  bool error() const { return std::ferror(f_) != 0; }

 private:
  FILE* f_;
};

bool Blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Standard input can be read once: spool it to an unlinked temporary file.
Result<FILE*> OpenInput(const std::string& path) {
  if (path != "-") {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Status::InvalidArgument("import: cannot open " + path + ": " + std::strerror(errno));
    return f;
  }
  FILE* f = std::tmpfile();
  if (!f) return Status::IOError("import: cannot create a temporary file for standard input");
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0)
    if (std::fwrite(buf, 1, n, f) != n) {
      std::fclose(f);
      return Status::IOError("import: cannot spool standard input");
    }
  if (std::ferror(stdin)) {
    std::fclose(f);
    return Status::IOError("import: cannot read standard input");
  }
  std::rewind(f);
  return f;
}

Status Import(const Context& ctx, const std::string& path) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  // Read (or spool) the input before taking the lock: a slow producer on
  // standard input must not keep other writers out.
  auto input = OpenInput(path);
  if (!input.ok()) return input.status();
  std::unique_ptr<FILE, int (*)(FILE*)> file(*input, &std::fclose);
  // Hold the writer lock from validation to the last batch: nothing else can
  // append in between, so what was validated is what gets appended.
  auto opened = ctx.OpenWriter();
  if (!opened.ok()) return opened.status();
  Store& store = **opened;

  // Lines are read in chunks and parsed on every core; checking and appending
  // stay in line order.
  struct Line {
    uint64_t number = 0;
    Result<Draft> draft = Status::InvalidArgument("");
  };
  auto read_chunk = [&](LineReader& reader, uint64_t* lineno, std::vector<Line>* lines) -> Status {
    lines->clear();
    std::vector<std::pair<uint64_t, std::string>> raw;
    std::string line;
    bool too_long;
    while (raw.size() < kImportChunk && reader.Next(&line, &too_long)) {
      ++*lineno;
      if (too_long) return Status::InvalidArgument("import: line " + std::to_string(*lineno) + ": longer than 256 KiB");
      if (!Blank(line)) raw.emplace_back(*lineno, std::move(line));
    }
    if (reader.error()) return Status::IOError("import: read error in " + path);
    lines->resize(raw.size());
    ParallelFor(raw.size(), DefaultThreads(), [&](size_t i, unsigned) {
      (*lines)[i].number = raw[i].first;
      (*lines)[i].draft = ParseImportLine(raw[i].second);
    });
    return Status::OK();
  };

  // Pass 1: validate every line, writing nothing.
  ChainChecker state = store.ChainState();
  const TimeNs now = NowNs();
  uint64_t events = 0;
  std::vector<Line> lines;
  {
    Progress progress("import: validating");
    LineReader reader(file.get());
    uint64_t lineno = 0;
    do {
      CUSTODY_RETURN_IF_ERROR(read_chunk(reader, &lineno, &lines));
      for (Line& l : lines) {
        const std::string where = "import: line " + std::to_string(l.number);
        if (!l.draft.ok()) return l.draft.status().Prefixed(where);
        CUSTODY_RETURN_IF_ERROR(store.CheckDraft(key->public_key(), *l.draft, now, &state).Prefixed(where));
      }
      events += lines.size();
      progress.Update(events, 0);
    } while (!lines.empty());
  }
  if (events == 0) return Status::InvalidArgument("import: " + path + " holds no events");

  // Pass 2: append, in synced batches signed on every core.
  std::rewind(file.get());
  const uint64_t first = store.size();
  const int64_t start = NowNs();
  {
    Progress progress("import");
    LineReader reader(file.get());
    uint64_t lineno = 0, done = 0;
    do {
      CUSTODY_RETURN_IF_ERROR(read_chunk(reader, &lineno, &lines));
      std::vector<Draft> drafts;
      drafts.reserve(lines.size());
      for (Line& l : lines) {
        if (!l.draft.ok()) return Status::IOError("import: the input changed while importing");
        drafts.push_back(std::move(*l.draft));
      }
      AppendOptions options;
      options.progress = [&](uint64_t d, uint64_t) { progress.Update(done + d, events); };
      CUSTODY_RETURN_IF_ERROR(store.Append(*key, drafts, options, nullptr).Prefixed("import"));
      done += drafts.size();
    } while (!lines.empty());
    if (done != events) return Status::IOError("import: the input changed while importing");
  }
  const double seconds = (NowNs() - start) / 1e9;
  const uint64_t last = store.size() - 1;
  ctx.Print({{"imported", events}, {"first_seq", first}, {"last_seq", last}, {"seconds", seconds}},
            "imported " + std::to_string(events) + " events (#" + std::to_string(first) + "..#" +
                std::to_string(last) + ")");
  return Status::OK();
}

}  // namespace

void AddImportCommand(CLI::App& app, Context& ctx) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "import",
      "Bulk append from JSON Lines (- for standard input). Every line is validated before any is "
      "written; a bad line means exit 3 naming it, and nothing written.\n"
      "A line: {\"type\":\"note\",\"text\":\"…\",\"incident\":\"INC-7\",\"subjects\":[\"npub1…\"],"
      "\"occurred\":\"2026-11-20T10:03:00Z\"}");
  cmd->add_option("FILE", *path, "JSON Lines file, or - for standard input")->required();
  cmd->callback([&ctx, path] { ctx.run = [&ctx, path] { return Import(ctx, *path); }; });
}

}  // namespace custody::cli
