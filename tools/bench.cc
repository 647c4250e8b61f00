// custody bench: the project's benchmark (docs/performance.md).
//
// In one run it measures this machine's raw BIP-340 sign (S) and verify (V)
// rates on every core, then drives the real `custody` binary, as separate
// processes, against a fresh ledger: durable bulk import at the start and at
// the end of the ledger's growth, `custody note` latency at --note-at events,
// and a full verify with its peak resident memory. Each figure is printed with
// its ratio to the limit DESIGN.md sets, both measured in this run, because
// the machine is shared and noisy.
#include <fcntl.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/crypto.h"
#include "ledger/keyfile.h"
#include "ledger/stream_hash.h"
#include "projections/projector.h"
#include "projections/runbook.h"
#include "tools/bench_server.h"
#include "tools/cli.h"

extern char** environ;

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

struct BenchArgs {
  bool server = false;
  BenchServerArgs server_args;
  uint64_t events = 1000000;
  uint64_t note_at = 100000;
  int note_runs = 21;
  int rounds = 5;
  uint64_t blob_mib = 1024;
  std::string dir;
  bool keep = false;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double Seconds(int64_t from) { return (NowNs() - from) / 1e9; }

// Raw secp256k1 rates on `threads` threads: signatures per second.
double SignRate(unsigned threads, size_t per_thread) {
  auto key = SecretKey::Generate().value();
  std::string nsec = key.EncodeNsecForKeyFile();
  Hash32 secret = DecodeNsec(nsec).value();
  std::fill(nsec.begin(), nsec.end(), '\0');
  secp256k1_keypair kp;
  if (!secp256k1_keypair_create(SecpContext(), &kp, secret.data())) return 0;
  std::fill(secret.begin(), secret.end(), 0);
  const int64_t start = NowNs();
  ParallelFor(threads, threads, [&](size_t t, unsigned) {
    Hash32 msg{};
    Sig64 sig;
    for (size_t i = 0; i < per_thread; ++i) {
      msg[0] = static_cast<uint8_t>(i);
      msg[1] = static_cast<uint8_t>(i >> 8);
      msg[2] = static_cast<uint8_t>(t);
      if (!secp256k1_schnorrsig_sign32(SecpContext(), sig.data(), msg.data(), &kp, msg.data()))
        std::abort();
    }
  });
  return threads * per_thread / Seconds(start);
}

double VerifyRate(unsigned threads, size_t per_thread) {
  auto key = SecretKey::Generate().value();
  auto pub = PublicKey::Parse(key.public_key()).value();
  std::vector<Hash32> msgs(64);
  std::vector<Sig64> sigs(64);
  for (size_t i = 0; i < msgs.size(); ++i) {
    msgs[i][0] = static_cast<uint8_t>(i);
    sigs[i] = key.Sign(msgs[i]).value();
  }
  const int64_t start = NowNs();
  ParallelFor(threads, threads, [&](size_t, unsigned) {
    for (size_t i = 0; i < per_thread; ++i)
      if (!pub.Verify(msgs[i % 64], sigs[i % 64])) std::abort();
  });
  return threads * per_thread / Seconds(start);
}

struct Run {
  double seconds = 0;
  long max_rss_kib = 0;
};

// Runs custody with args as a child process; its standard output is discarded.
// With passphrase_file, it is open on descriptor 3 and CUSTODY_PASSPHRASE_FD=3.
Result<Run> RunCustody(const std::vector<std::string>& args,
                       const std::string& passphrase_file = "") {
  std::vector<std::string> full = {"/proc/self/exe"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  std::string fd_var = "CUSTODY_PASSPHRASE_FD=3";
  if (!passphrase_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, 3, passphrase_file.c_str(), O_RDONLY, 0);
    env.push_back(fd_var.data());
  }
  env.push_back(nullptr);
  pid_t pid;
  const int64_t start = NowNs();
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return Status::IOError("bench: cannot find the custody binary");
  exe[n] = '\0';
  int rc = posix_spawn(&pid, exe, &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return Status::IOError("bench: cannot start custody: " + std::string(std::strerror(rc)));
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) < 0) return Status::IOError("bench: wait failed");
  Run r;
  r.seconds = Seconds(start);
  r.max_rss_kib = usage.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (auto& a : args) cmd += " " + a;
    return Status::IOError("bench: custody" + cmd + " failed (exit " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return r;
}

// count notes; with a subject, `about` of them (spread evenly) are about that user.
Status WriteNotes(const std::string& path, uint64_t count, uint64_t offset,
                  const std::string& subject = "", uint64_t about = 0) {
  std::ofstream out(path, std::ios::trunc);
  const uint64_t every = about ? count / about : 0;
  for (uint64_t i = 0; i < count; ++i) {
    out << "{\"type\":\"note\",\"text\":\"bench event " << offset + i
        << ": settlement queue checked, 0 pending payment tasks\"";
    if (every && i % every == every / 2 && i / every < about)
      out << ",\"subjects\":[\"" << subject << "\"]";
    out << "}\n";
  }
  out.close();
  return out ? Status::OK() : Status::IOError("bench: cannot write " + path);
}

std::string Fmt(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

struct IngestFigures {
  double sha_mib_s = 0, copy_mib_s = 0, ingest_mib_s = 0, ingest_rss_mib = 0;
};

// Evidence ingest against its two limits, all measured here: SHA-256 on one
// core, and copying the same file with one fsync on the ledger's disk.
Result<IngestFigures> BenchIngest(const std::string& base, uint64_t mib,
                                  const std::function<Result<Run>(std::vector<std::string>)>& cmd) {
  const std::string src = base + "/snapshot.log";
  {
    std::string line;
    std::ofstream out(src, std::ios::binary | std::ios::trunc);
    std::string chunk;
    for (int i = 0; chunk.size() < (1 << 20); ++i)
      chunk +=
          "2026-11-20T10:00:00.000Z INFO wallet-api request " + std::to_string(i) + " settled\n";
    chunk.resize(1 << 20);
    for (uint64_t i = 0; i < mib; ++i) {
      chunk[0] = static_cast<char>('a' + i % 26);
      chunk[1] = static_cast<char>('a' + (i / 26) % 26);
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    if (!out) return Status::IOError("bench: cannot write " + src);
  }
  IngestFigures f;
  std::vector<double> sha, copy, ingest;
  Bytes buf(kStreamChunk);
  // This disk's write rate swings by several times from one second to the
  // next, so the copy and the ingest alternate which goes first.
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    std::cerr << "bench: SHA-256, copy+fsync and evidence add of " << mib << " MiB (round "
              << round + 1 << " of " << kRounds << ")\n";
    // SHA-256 on one core, over the file's bytes as read.
    {
      int fd = open(src.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Status::IOError("bench: open " + src);
      Sha256Stream h;
      double busy = 0;
      for (ssize_t n; (n = read(fd, buf.data(), buf.size())) > 0;) {
        const int64_t t = NowNs();
        h.Update(buf.data(), static_cast<size_t>(n));
        busy += Seconds(t);
      }
      close(fd);
      (void)h.Final();
      sha.push_back(mib / busy);
    }
    auto do_copy = [&]() -> Status {
      // Copy + fsync: what any tool storing the file on this disk must do.
      const std::string to = base + "/copy.tmp";
      const int64_t t = NowNs();
      int in = open(src.c_str(), O_RDONLY | O_CLOEXEC);
      int out = open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (in < 0 || out < 0) return Status::IOError("bench: copy");
      for (ssize_t n; (n = read(in, buf.data(), buf.size())) > 0;)
        if (!WriteFull(out, buf.data(), static_cast<size_t>(n)))
          return Status::IOError("bench: copy write");
      fdatasync(out);
      close(in);
      close(out);
      copy.push_back(mib / Seconds(t));
      fs::remove(to);
      return Status::OK();
    };
    auto do_ingest = [&]() -> Status {
      // The real thing, as a separate process. New content each round (no dedup).
      int fd = open(src.c_str(), O_WRONLY | O_CLOEXEC);
      const char mark[2] = {static_cast<char>('A' + round), '\n'};
      if (fd < 0 || pwrite(fd, mark, 2, 0) != 2) return Status::IOError("bench: mark " + src);
      close(fd);
      auto r = cmd({"evidence", "add", "INC-1", src, "--kind", "logs"});
      if (!r.ok()) return r.status();
      ingest.push_back(mib / r->seconds);
      f.ingest_rss_mib = std::max(f.ingest_rss_mib, r->max_rss_kib / 1024.0);
      return Status::OK();
    };
    CUSTODY_RETURN_IF_ERROR(round % 2 ? do_ingest() : do_copy());
    CUSTODY_RETURN_IF_ERROR(round % 2 ? do_copy() : do_ingest());
  }
  fs::remove(src);
  f.sha_mib_s = Median(sha);
  f.copy_mib_s = Median(copy);
  f.ingest_mib_s = Median(ingest);
  return f;
}

// A 10,000-event incident (the runbook's actions, SEV-1 cadence updates,
// external messages, reconciliations, freezes, severity changes and notes),
// appended through the store with the projector, as the CLI appends.
Status AppendBenchIncident(const std::string& ledger, const SecretKey& key, uint64_t* incident) {
  auto store = Store::OpenWriter(ledger);
  if (!store.ok()) return store.status();
  (*store)->set_projector(&IncidentProjector::Instance());
  const TimeNs t0 = NowNs() - 20000LL * 1000000000;
  std::vector<Appended> out;
  Draft decl;
  decl.occurred_ns = t0;
  decl.payload = IncidentDeclaredPayload{
      fb::Severity::Sev1, "bench incident", "", 7, CurrentRunbook().version, 0};
  CUSTODY_RETURN_IF_ERROR((*store)->Append(key, {decl}, AppendOptions(), &out));
  *incident = out.back().seq;
  static const char* kSteps[] = {"A.3", "A.4", "B.4", "C.3", "funds.1", "funds.2", "first15.3"};
  std::vector<Draft> drafts;
  for (int i = 1; i < 10000; ++i) {
    Draft d;
    d.incident = *incident;
    d.occurred_ns = t0 + static_cast<TimeNs>(i) * 2000000000;
    switch (i % 10) {
      case 4:
        d.payload = CommunicationPayload{
            fb::Audience::Internal, "update " + std::to_string(i), "", "", "", 0};
        break;
      case 5:
        d.payload = StepPayload{kSteps[(i / 10) % 7], "bench step", 0};
        break;
      case 6: {
        ReconciliationPayload r;
        r.unit = "sat";
        r.sender_balance = r.sender_proofs = 1000 + i;
        r.receiver_balance = 500;
        r.receiver_proofs = 500 + (i % 20 == 6);
        r.tx_entries = i;
        r.tx_sent = r.tx_received = 42;
        d.payload = r;
        break;
      }
      case 7:
        if ((i / 10) % 2)
          d.payload = UnfreezePayload{"op-" + std::to_string(i / 20), ""};
        else
          d.payload = FreezePayload{"op-" + std::to_string(i / 20), "bench"};
        break;
      case 8:
        d.payload =
            CommunicationPayload{fb::Audience::External,         "", "facts", "scope", "action",
                                 d.occurred_ns + 3600000000000LL};
        break;
      case 9:
        d.payload =
            SeverityPayload{(i / 10) % 2 ? fb::Severity::Sev1 : fb::Severity::Sev2, "bench"};
        break;
      default:
        d.payload = NotePayload{"bench incident note " + std::to_string(i)};
        break;
    }
    drafts.push_back(std::move(d));
  }
  CUSTODY_RETURN_IF_ERROR((*store)->Append(key, drafts, AppendOptions(), &out));
  return Status::OK();
}

// Everything one run measured.
struct Measured {
  unsigned threads = 0;
  uint64_t size = 0;
  std::vector<double> s_rounds, v_rounds, early, late;
  double fill1 = 0, fill2 = 0;
  std::vector<double> note_ms;
  std::vector<double> note_encrypted_ms;  // with an ncryptsec key file (log_n 16)
  double checkpoint_s = 0;
  std::vector<double> prove_ms, consistency_ms, export_ms, verify_package_ms;
  long verify_package_rss = 0;
  double verify_s = 0;
  long verify_rss_kib = 0;
  std::vector<double> status_ms;
  std::map<std::string, double> timeline_ms;
  std::vector<double> rebuild_rates;
  long rebuild_rss = 0;
  double disk_mib = 0;
  IngestFigures ingest;
};

// status and timelines of the 10,000-event incident, and projections
// rebuilds of the whole ledger (size events).
Status MeasureIncidentReads(const std::string& ledger, const std::string& inc_name, uint64_t size,
                            Measured* m) {
  for (int i = 0; i < 5; ++i) {
    auto r = RunCustody({"--ledger", ledger, "status", inc_name});
    if (!r.ok()) return r.status();
    m->status_ms.push_back(r->seconds * 1000);
  }
  for (const char* f : {"md", "jsonl", "csv", "html"}) {
    std::vector<double> ms;
    for (int i = 0; i < 3; ++i) {
      auto r = RunCustody({"--ledger", ledger, "timeline", inc_name, "--format", f});
      if (!r.ok()) return r.status();
      ms.push_back(r->seconds * 1000);
    }
    m->timeline_ms[f] = Median(ms);
  }
  for (int i = 0; i < 3; ++i) {
    auto r = RunCustody({"--ledger", ledger, "projections", "rebuild"});
    if (!r.ok()) return r.status();
    m->rebuild_rates.push_back(size / r->seconds);
    m->rebuild_rss = std::max(m->rebuild_rss, r->max_rss_kib);
  }
  return Status::OK();
}

// The table of figures, ratios to limits and targets, and its JSON.
// custody note's latency at the ledger's current size, with the plain key
// file, then with the same key encrypted (NIP-49, log_n 16): what scrypt adds.
Status MeasureNote(const std::string& ledger, const std::string& keyfile, const SecretKey& key,
                   const std::string& base, int runs, Measured* m, uint64_t* size) {
  std::cerr << "bench: " << runs << " x custody note at " << *size << " events\n";
  for (int i = 0; i < runs; ++i) {
    auto r = RunCustody(
        {"--ledger", ledger, "--key", keyfile, "note", "bench latency probe " + std::to_string(i)});
    if (!r.ok()) return r.status();
    m->note_ms.push_back(r->seconds * 1000);
    ++*size;
  }
  // Encrypted by a custody process, not by this one: scrypt's 64 MiB would
  // raise this process's peak memory, which every later child's measured
  // peak starts from (exec records the spawning address space's peak).
  const std::string enc_key = base + "/admin.ncryptsec", pass = base + "/passphrase";
  CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(enc_key, key));
  std::ofstream(pass) << "bench passphrase\n";
  if (auto r = RunCustody({"key", "encrypt", enc_key}, pass); !r.ok()) return r.status();
  for (int i = 0; i < 5; ++i) {
    auto r = RunCustody(
        {"--ledger", ledger, "--key", enc_key, "note", "encrypted key probe " + std::to_string(i)},
        pass);
    if (!r.ok()) return r.status();
    m->note_encrypted_ms.push_back(r->seconds * 1000);
    ++*size;
  }
  return Status::OK();
}

void PrintBench(const Context& ctx, const BenchArgs& a, const Measured& m) {
  const double S = Median(m.s_rounds), V = Median(m.v_rounds);
  const double rebuild_rate = Median(m.rebuild_rates);
  const double limit = 1 / (1 / S + 1 / V);
  const double imp_early = Median(m.early), imp_late = Median(m.late);
  const double verify_rate = m.size / m.verify_s;
  const double note_med = Median(m.note_ms);
  const double rss_mib = m.verify_rss_kib / 1024.0;
  struct Row {
    std::string name, figure, ratio, target;
    bool met;
  };
  std::vector<Row> rows = {
      {"sign S (all cores, median)", Fmt(S) + "/s", "", "", true},
      {"verify V (all cores, median)", Fmt(V) + "/s", "", "", true},
      {"append limit 1/(1/S+1/V)", Fmt(limit) + "/s", "", "", true},
      {"import at ~10k events (median of 3)", Fmt(imp_early) + "/s",
       Fmt(imp_early / limit, 2) + " of limit", ">= 0.70", imp_early / limit >= 0.70},
      {"import at ~" + std::to_string(a.events / 1000) + "k events (median of 3)",
       Fmt(imp_late) + "/s", Fmt(imp_late / limit, 2) + " of limit", ">= 0.70",
       imp_late / limit >= 0.70},
      {"import rate held as the ledger grows", "", Fmt(imp_late / imp_early, 2) + " late/early",
       ">= 0.90", imp_late / imp_early >= 0.90},
      {"bulk fill to " + std::to_string(a.note_at) + " / to " + std::to_string(a.events - 30000),
       Fmt(m.fill1) + "/s, " + Fmt(m.fill2) + "/s", Fmt(m.fill2 / limit, 2) + " of limit", "",
       true},
      {"custody note at " + std::to_string(a.note_at) + " events (median of " +
           std::to_string(a.note_runs) + ")",
       Fmt(note_med, 1) + " ms", Fmt(note_med / 25, 2) + " of 25 ms", "<= 1.00", note_med <= 25},
      {"  with an encrypted key file (NIP-49, log_n 16; median of 5)",
       Fmt(Median(m.note_encrypted_ms), 1) + " ms",
       "+" + Fmt(Median(m.note_encrypted_ms) - note_med, 1) + " ms for scrypt", "", true},
      {"custody checkpoint at " + std::to_string(m.size - 1) + " events",
       Fmt(m.checkpoint_s * 1000, 1) + " ms", "", "", true},
      {"custody prove (median of 11, whole process)", Fmt(Median(m.prove_ms), 1) + " ms", "", "",
       true},
      {"custody consistency from ~30k (median of 11)", Fmt(Median(m.consistency_ms), 1) + " ms", "",
       "", true},
      {"full verify of " + std::to_string(m.size) + " events",
       Fmt(verify_rate) + "/s (" + Fmt(m.verify_s, 1) + " s)", Fmt(verify_rate / V, 2) + " of V",
       ">= 0.80", verify_rate / V >= 0.80},
      {"verify peak resident memory", Fmt(rss_mib, 1) + " MiB",
       Fmt(rss_mib / 256, 2) + " of 256 MiB", "< 1.00", rss_mib < 256},
      {"ledger size on disk", Fmt(m.disk_mib, 1) + " MiB", "", "", true},
      {"projections rebuild of " + std::to_string(m.size) + " events (median of 3, whole process)",
       Fmt(rebuild_rate) + "/s, " + Fmt(m.rebuild_rss / 1024.0, 1) + " MiB",
       Fmt(rebuild_rate / 300000, 2) + " of 300k/s", ">= 1.00", rebuild_rate >= 300000},
      {"status of a 10,000-event incident (median of 5)", Fmt(Median(m.status_ms), 1) + " ms", "",
       "", true},
      {"timeline of it: md / jsonl / csv / html (median of 3)",
       Fmt(m.timeline_ms.at("md"), 0) + " / " + Fmt(m.timeline_ms.at("jsonl"), 0) + " / " +
           Fmt(m.timeline_ms.at("csv"), 0) + " / " + Fmt(m.timeline_ms.at("html"), 0) + " ms",
       "", "", true},
      {"export of a 100-event user package (median of 5)", Fmt(Median(m.export_ms), 1) + " ms",
       Fmt(Median(m.export_ms) / 500, 2) + " of 0.5 s", "< 1.00", Median(m.export_ms) < 500},
      {"verify-package of it (median of 5)",
       Fmt(Median(m.verify_package_ms), 1) + " ms, " + Fmt(m.verify_package_rss / 1024.0, 1) +
           " MiB",
       "", "", true},
      {"SHA-256, one core (median of 5)", Fmt(m.ingest.sha_mib_s) + " MiB/s", "", "", true},
      {"copy + fsync (median of 5)", Fmt(m.ingest.copy_mib_s) + " MiB/s", "", "", true},
      {"evidence ingest of " + std::to_string(a.blob_mib) + " MiB (median of 5)",
       Fmt(m.ingest.ingest_mib_s) + " MiB/s, " + Fmt(m.ingest.ingest_rss_mib, 1) + " MiB",
       Fmt(m.ingest.ingest_mib_s / std::min(m.ingest.sha_mib_s, m.ingest.copy_mib_s), 2) +
           " of min",
       ">= 0.50", m.ingest.ingest_mib_s >= 0.5 * std::min(m.ingest.sha_mib_s, m.ingest.copy_mib_s)},
  };
  Json j;
  j["threads"] = m.threads;
  j["events"] = m.size;
  j["sign_per_s"] = S;
  j["verify_per_s"] = V;
  j["append_limit_per_s"] = limit;
  j["import_early_per_s"] = imp_early;
  j["import_late_per_s"] = imp_late;
  j["import_fill_per_s"] = {m.fill1, m.fill2};
  j["note_ms"] = m.note_ms;
  j["note_median_ms"] = note_med;
  j["note_encrypted_key_median_ms"] = Median(m.note_encrypted_ms);
  j["full_verify_per_s"] = verify_rate;
  j["verify_seconds"] = m.verify_s;
  j["verify_max_rss_mib"] = rss_mib;
  j["disk_mib"] = m.disk_mib;
  j["rebuild_per_s"] = m.rebuild_rates;
  j["rebuild_median_per_s"] = rebuild_rate;
  j["rebuild_max_rss_mib"] = m.rebuild_rss / 1024.0;
  j["status_10k_ms"] = m.status_ms;
  j["status_10k_median_ms"] = Median(m.status_ms);
  j["timeline_10k_median_ms"] = m.timeline_ms;
  j["checkpoint_ms"] = m.checkpoint_s * 1000;
  j["prove_median_ms"] = Median(m.prove_ms);
  j["consistency_median_ms"] = Median(m.consistency_ms);
  j["export_ms"] = m.export_ms;
  j["export_median_ms"] = Median(m.export_ms);
  j["verify_package_median_ms"] = Median(m.verify_package_ms);
  j["verify_package_max_rss_mib"] = m.verify_package_rss / 1024.0;
  j["sha256_one_core_mib_s"] = m.ingest.sha_mib_s;
  j["copy_fsync_mib_s"] = m.ingest.copy_mib_s;
  j["ingest_mib_s"] = m.ingest.ingest_mib_s;
  j["ingest_max_rss_mib"] = m.ingest.ingest_rss_mib;
  bool all = true;
  std::string text = "custody bench: " + std::to_string(m.size) + " events, " +
                     std::to_string(m.threads) + " threads\n";
  for (auto& r : rows) {
    char line[256];
    std::snprintf(
        line, sizeof line, "%-46s %-24s %-20s %s\n", r.name.c_str(), r.figure.c_str(),
        r.ratio.c_str(),
        r.target.empty() ? "" : ((r.met ? "met (" : "MISSED (") + r.target + ")").c_str());
    text += line;
    all = all && r.met;
    if (!r.target.empty())
      j["targets"][r.name] = {{"ratio", r.ratio}, {"target", r.target}, {"met", r.met}};
  }
  ctx.Print(j, text);
  (void)all;  // a benchmark reports; it does not fail on a missed target
}
Status Bench(const Context& ctx, const BenchArgs& a) {
  CUSTODY_RETURN_IF_ERROR(ctx.LocalOnly("bench"));
  if (a.server) return BenchServer(ctx, a.server_args);
  // The first 30,003 events are the m.early import chunks and a checkpoint.
  if (a.events < a.note_at + 60000 || a.note_at < 40000)
    return Status::Usage("bench: need --note-at >= 40000 and --events >= --note-at + 60000");
  const unsigned threads = DefaultThreads();
  Measured m;
  auto measure_sv = [&] {
    for (int i = 0; i < a.rounds; ++i) {
      m.s_rounds.push_back(SignRate(threads, 4000));
      m.v_rounds.push_back(VerifyRate(threads, 2000));
    }
  };
  std::cerr << "bench: measuring BIP-340 sign and verify on " << threads << " threads\n";
  measure_sv();

  std::string base = a.dir;
  if (base.empty()) {
    char tmpl[] = "/tmp/custody-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return Status::IOError("bench: cannot create a temporary directory");
    base = tmpl;
  } else {
    std::error_code ec;
    fs::create_directories(base, ec);
    if (!fs::is_empty(base, ec)) return Status::InvalidArgument("bench: " + base + " is not empty");
  }
  const std::string ledger = base + "/ledger", keyfile = base + "/admin.nsec";
  auto key = SecretKey::Generate();
  if (!key.ok()) return key.status();
  CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(keyfile, *key));
  const std::vector<std::string> g = {"--ledger", ledger, "--key", keyfile};
  auto cmd = [&](std::vector<std::string> args) {
    args.insert(args.begin(), g.begin(), g.end());
    return RunCustody(args);
  };
  if (auto r = cmd({"init", "--name", "bench"}); !r.ok()) return r.status();
  // INC-1: what the evidence snapshots are attached to.
  if (auto r = cmd({"incident", "declare", "--sev", "SEV-3", "--title", "benchmark"}); !r.ok())
    return r.status();

  const std::string chunk_file = base + "/chunk.jsonl";
  CUSTODY_RETURN_IF_ERROR(WriteNotes(chunk_file, 10000, 0));
  uint64_t size = 2;
  auto import_chunks = [&](int n, std::vector<double>* rates) -> Status {
    for (int i = 0; i < n; ++i) {
      std::cerr << "bench: import 10000 events at ledger size " << size << "\n";
      auto r = cmd({"import", chunk_file});
      if (!r.ok()) return r.status();
      rates->push_back(10000 / r->seconds);
      size += 10000;
    }
    return Status::OK();
  };
  // A user with 100 events spread over the second fill: the exported package.
  auto user = SecretKey::Generate();
  if (!user.ok()) return user.status();
  const std::string user_npub = EncodeNpub(user->public_key());
  auto fill = [&](uint64_t to, double* rate, uint64_t about) -> Status {
    const std::string f = base + "/fill.jsonl";
    CUSTODY_RETURN_IF_ERROR(WriteNotes(f, to - size, size, user_npub, about));
    std::cerr << "bench: import " << to - size << " events (ledger grows to " << to << ")\n";
    auto r = cmd({"import", f});
    if (!r.ok()) return r.status();
    *rate = (to - size) / r->seconds;
    size = to;
    fs::remove(f);
    return Status::OK();
  };

  CUSTODY_RETURN_IF_ERROR(import_chunks(3, &m.early));
  const std::string early_checkpoint = base + "/early.note";
  if (auto r = cmd({"checkpoint", "--out", early_checkpoint}); !r.ok()) return r.status();
  ++size;
  CUSTODY_RETURN_IF_ERROR(fill(a.note_at, &m.fill1, 0));
  CUSTODY_RETURN_IF_ERROR(MeasureNote(ledger, keyfile, *key, base, a.note_runs, &m, &size));
  CUSTODY_RETURN_IF_ERROR(fill(a.events - 30000, &m.fill2, 100));
  CUSTODY_RETURN_IF_ERROR(import_chunks(3, &m.late));
  std::cerr << "bench: checkpoint, then prove and consistency at " << size << " events\n";
  auto checkpoint = cmd({"checkpoint"});
  if (!checkpoint.ok()) return checkpoint.status();
  ++size;
  for (int i = 0; i < 11; ++i) {
    auto r = cmd({"prove", std::to_string((size - 1) * (i + 1) / 12)});
    if (!r.ok()) return r.status();
    m.prove_ms.push_back(r->seconds * 1000);
    auto c = cmd({"consistency", "--from", early_checkpoint});
    if (!c.ok()) return c.status();
    m.consistency_ms.push_back(c->seconds * 1000);
  }
  // Export the user's 100-event package (pinned to the checkpoint, so each
  // run writes the same package), and verify it offline.
  const std::string cp_size = std::to_string(size - 1);
  std::cerr << "bench: 5 x export of a 100-event user package, 5 x verify-package\n";
  for (int i = 0; i < 5; ++i) {
    const std::string out = base + "/package-" + std::to_string(i);
    auto r = cmd({"export", "user", user_npub, "--checkpoint", cp_size, "--out", out});
    if (!r.ok()) return r.status();
    m.export_ms.push_back(r->seconds * 1000);
    ++size;
  }
  for (int i = 0; i < 5; ++i) {
    auto r = RunCustody(
        {"verify-package", base + "/package-0", "--trust", EncodeNpub(key->public_key())});
    if (!r.ok()) return r.status();
    m.verify_package_ms.push_back(r->seconds * 1000);
    m.verify_package_rss = std::max(m.verify_package_rss, r->max_rss_kib);
  }
  std::cerr << "bench: verify " << size << " events\n";
  auto verify = cmd({"verify"});
  if (!verify.ok()) return verify.status();
  // Projections: a 10,000-event incident (the runbook's actions, SEV-1
  // cadence updates, external messages, reconciliations, freezes, severity
  // changes and notes), appended through the store with the projector, as the
  // CLI appends; then status and timeline on it, and a rebuild of everything.
  std::cerr << "bench: a 10000-event incident, then status, timeline and projections rebuild\n";
  uint64_t incident = 0;
  CUSTODY_RETURN_IF_ERROR(AppendBenchIncident(ledger, *key, &incident));
  size += 10000;
  CUSTODY_RETURN_IF_ERROR(MeasureIncidentReads(ledger, IncidentName(incident), size, &m));
  const double disk_mib = [&] {
    uint64_t total = 0;
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(ledger, ec))
      if (e.is_regular_file(ec)) total += e.file_size(ec);
    return total / 1048576.0;
  }();
  auto ingest = BenchIngest(base, a.blob_mib,
                            [&](std::vector<std::string> args) { return cmd(std::move(args)); });
  if (!ingest.ok()) return ingest.status();
  measure_sv();
  if (!a.keep) fs::remove_all(base);

  m.threads = threads;
  m.size = size;
  m.checkpoint_s = checkpoint->seconds;
  m.verify_s = verify->seconds;
  m.verify_rss_kib = verify->max_rss_kib;
  m.disk_mib = disk_mib;
  m.ingest = *ingest;
  PrintBench(ctx, a, m);
  return Status::OK();
}

}  // namespace

void AddBenchCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench", "Measure a fresh ledger (or --server, a server under load) against the targets");
  cmd->add_option("--events", args->events, "Ledger size to grow to (default 1000000)");
  cmd->add_option("--note-at", args->note_at,
                  "Ledger size at which to time custody note (default 100000)");
  cmd->add_option("--note-runs", args->note_runs, "custody note runs (default 21)");
  cmd->add_option("--rounds", args->rounds, "Sign/verify rounds before and after (default 5 each)");
  cmd->add_option("--blob-mib", args->blob_mib,
                  "Size of the evidence file ingested (default 1024 MiB)");
  cmd->add_option("--dir", args->dir,
                  "Work directory (default: a new one in /tmp, removed afterwards)");
  cmd->add_flag("--keep", args->keep, "Keep the work directory");
  cmd->add_flag("--server", args->server,
                "Instead: the server under load — writer processes appending through custody "
                "serve on loopback, then through a proxy adding delay; remote note and import "
                "against local (docs/performance.md \"Server\")");
  cmd->add_option("--writers", args->server_args.writers,
                  "--server: writer processes (default 20)");
  cmd->add_option("--seconds", args->server_args.seconds, "--server: seconds per run (default 30)");
  cmd->add_option("--delay-ms", args->server_args.delay_ms,
                  "--server: the proxy's delay each way (default 20)");
  cmd->add_option("--import-events", args->server_args.import_events,
                  "--server: events of the import comparison (default 100000)");
  cmd->callback([&ctx, args] { ctx.run = [&ctx, args] { return Bench(ctx, *args); }; });
  // One writer of bench --server, started by it: not for people.
  auto seconds = std::make_shared<int>(30);
  auto* writer = app.add_subcommand("bench-writer", "A writer process of bench --server");
  writer->group("");
  writer->add_option("--seconds", *seconds, "How long to append");
  writer->callback(
      [&ctx, seconds] { ctx.run = [&ctx, seconds] { return BenchWriter(ctx, *seconds); }; });
}

}  // namespace custody::cli
