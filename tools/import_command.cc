// custody import FILE|-: bulk append from JSON Lines. Every line is validated
// (parsed and checked against the chain rules and permissions as if appended)
// before any is written; then lines are appended in synced batches, signed on
// every core.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <iostream>
#include <optional>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/import.h"
#include "tools/append.h"
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
    while ((c = getc_unlocked(f_)) != EOF) {  // one reader per FILE
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

bool Blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// The input is read twice (validate, then append), so it is first copied to
// an unlinked temporary file: what is appended is exactly what was validated,
// even if the file changes meanwhile, and standard input can be read once.
// The copy is bounded as it is made: a line longer than kMaxImportLine stops
// it at once (`import /dev/zero` fails in a moment), and so does an input
// past kMaxImportBytes.
constexpr uint64_t kMaxImportBytes = 16ull << 30;

Result<FILE*> OpenInput(const std::string& path) {
  FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!in)
    return Status::InvalidArgument("import: cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
    if (in != stdin) std::fclose(in);
    return Status::InvalidArgument("import: " + Printable(path) + " is a directory");
  }
  FILE* f = std::tmpfile();
  if (!f) {
    if (in != stdin) std::fclose(in);
    return Status::IOError("import: cannot create a temporary file");
  }
  std::vector<char> buf(1 << 16);
  size_t n;
  bool ok = true;
  uint64_t total = 0, line = 1, line_length = 0;
  Status refused;
  while (ok && refused.ok() && (n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    for (size_t i = 0; i < n && refused.ok(); ++i) {
      if (buf[i] == '\n') {
        ++line;
        line_length = 0;
      } else if (++line_length > kMaxImportLine) {
        refused = Status::InvalidArgument("import: line " + std::to_string(line) +
                                          ": longer than 256 KiB");
      }
    }
    total += n;
    if (total > kMaxImportBytes)
      refused = Status::InvalidArgument("import: " + Printable(path) +
                                        ": larger than 16 GiB; split it into several imports");
    ok = std::fwrite(buf.data(), 1, n, f) == n;
  }
  ok = ok && !std::ferror(in) && std::fflush(f) == 0;
  if (in != stdin) std::fclose(in);
  if (!refused.ok() || !ok) {
    std::fclose(f);
    return refused.ok() ? Status::IOError("import: cannot read " + path + " into a temporary file")
                        : refused;
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
      if (too_long)
        return Status::InvalidArgument("import: line " + std::to_string(*lineno) +
                                       ": longer than 256 KiB");
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

  // Pass 1 validates every line, writing nothing. It runs on its own thread
  // (with its own copy of the input) while pass 2 starts building and signing;
  // pass 2's first write waits for it, so a bad line still means nothing written.
  // (Opened anew through /proc, so the two readers have their own offsets.)
  const std::string self = "/proc/self/fd/" + std::to_string(fileno(file.get()));
  std::unique_ptr<FILE, int (*)(FILE*)> check_file(std::fopen(self.c_str(), "rb"), &std::fclose);
  if (!check_file) return Status::IOError("import: cannot reopen the input");
  std::atomic<uint64_t> events{0};
  auto validate = [&, check = check_file.get()]() -> Status {
    auto rule_state = store.RuleState();
    if (!rule_state.ok()) return rule_state.status();
    RuleSet& state = *rule_state;
    const TimeNs now = NowNs();
    std::vector<Line> lines;
    LineReader reader(check);
    uint64_t lineno = 0;
    do {
      CUSTODY_RETURN_IF_ERROR(read_chunk(reader, &lineno, &lines));
      for (Line& l : lines) {
        const std::string where = "import: line " + std::to_string(l.number);
        if (!l.draft.ok()) return l.draft.status().Prefixed(where);
        CUSTODY_RETURN_IF_ERROR(
            store.CheckDraft(key->public_key(), *l.draft, now, &state).Prefixed(where));
      }
      events += lines.size();
    } while (!lines.empty());
    if (events == 0) return Status::InvalidArgument("import: " + path + " holds no events");
    return Status::OK();
  };
  auto validation = std::async(std::launch::async, validate);
  std::optional<Status> validated;
  auto wait_validation = [&]() -> Status {
    if (!validated) validated = validation.get();
    return *validated;
  };

  // Pass 2: append, in synced batches signed on every core. Against a
  // server: every event under one lease, all committed or none.
  std::vector<Line> lines;
  std::vector<Draft> all;
  uint64_t first = store.size();
  uint64_t last = 0;
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
        if (!l.draft.ok())
          return wait_validation().ok()
                     ? Status::IOError("import: the input changed while importing")
                     : wait_validation();
        drafts.push_back(std::move(*l.draft));
      }
      if (drafts.empty()) break;
      if (ctx.remote()) {
        std::move(drafts.begin(), drafts.end(), std::back_inserter(all));
        continue;
      }
      AppendOptions options;
      options.before_first_write = wait_validation;
      uint64_t written = 0;
      options.progress = [&](uint64_t d, uint64_t) {
        written = d;
        progress.Update(done + d, validated ? events.load() : 0);
      };
      Status s = store.Append(*key, drafts, options, nullptr);
      if (!s.ok() && done == 0 && written == 0 && !wait_validation().ok()) return wait_validation();
      if (!s.ok()) {
        // Batches written before the failure are durable: say which.
        const uint64_t committed = done + written;
        return s.Prefixed(committed
                              ? "import: events #" + std::to_string(first) + "..#" +
                                    std::to_string(first + committed - 1) + " were appended, then"
                              : "import: nothing appended");
      }
      done += drafts.size();
    } while (!lines.empty());
    CUSTODY_RETURN_IF_ERROR(wait_validation());
    if (ctx.remote()) {
      if (all.size() != events) return Status::IOError("import: the input changed while importing");
      AppendOptions options;
      options.progress = progress.Fn();
      std::vector<Appended> out;
      CUSTODY_RETURN_IF_ERROR(CommitDrafts(ctx, store, *key, all, options, &out));
      first = out.front().seq;
      last = out.back().seq;
      done = all.size();
    } else {
      last = store.size() - 1;
    }
    if (done != events) return Status::IOError("import: the input changed while importing");
  }
  const double seconds = (NowNs() - start) / 1e9;
  const uint64_t imported = events.load();
  ctx.Print(
      {{"imported", imported}, {"first_seq", first}, {"last_seq", last}, {"seconds", seconds}},
      "appended " + std::to_string(imported) + (imported == 1 ? " event, #" : " events, #") +
          std::to_string(first) + " to #" + std::to_string(last));
  return Status::OK();
}

}  // namespace

void AddImportCommand(CLI::App& app, Context& ctx) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "import",
      "Bulk append notes and deploys from JSON Lines: every line checked first, all or none");
  cmd->add_option("FILE", *path, "JSON Lines file, or - for standard input")->required();
  cmd->callback([&ctx, path] { ctx.run = [&ctx, path] { return Import(ctx, *path); }; });
}

}  // namespace custody::cli
