#include "tools/cli.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/keyfile.h"
#include "projections/projector.h"
#include "tools/passphrase.h"

namespace custody::cli {

Result<SecretKey> Context::LoadKey() const {
  writing = true;
  return ReadKey();
}

Result<SecretKey> Context::ReadKey() const {
  if (!key_path.empty()) return LoadKeyFile(key_path, ReadPassphrase);
  if (const char* fd_text = std::getenv("CUSTODY_KEY_FD"); fd_text && *fd_text) {
    int fd = -1;
    std::string_view v(fd_text);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
    if (ec != std::errc() || p != v.data() + v.size() || fd < 0)
      return Status::Usage("CUSTODY_KEY_FD must be a file descriptor number");
    return LoadKeyFd(fd, ReadPassphrase);
  }
  if (const char* path = std::getenv("CUSTODY_KEY"); path && *path)
    return LoadKeyFile(path, ReadPassphrase);
  return Status::Usage("no key: pass --key FILE, or set CUSTODY_KEY or CUSTODY_KEY_FD");
}

Result<std::string> Context::LedgerDir() const {
  if (!ledger.empty()) return ledger;
  if (const char* dir = std::getenv("CUSTODY_LEDGER"); dir && *dir) return std::string(dir);
  return Status::Usage("no ledger: pass --ledger DIR or set CUSTODY_LEDGER");
}

bool Context::remote() const {
  auto where = LedgerDir();
  return where.ok() && IsServerUrl(*where);
}

Result<Remote*> Context::Server() const {
  if (remote_) return remote_.get();
  auto where = LedgerDir();
  if (!where.ok()) return where.status();
  RemoteOptions o;
  o.url = *where;
  const char* env_trust = std::getenv("CUSTODY_TRUST");
  if (!trust.empty() && env_trust && *env_trust && trust != env_trust)
    return Status::Usage("--trust and CUSTODY_TRUST name different keys; give one");
  o.trust = !trust.empty() ? trust : (env_trust ? env_trust : "");
  const char* env_ca = std::getenv("CUSTODY_CA");
  o.ca_file = !ca.empty() ? ca : (env_ca ? env_ca : "");
  if (!auth_key_) {
    auto key = ReadKey();
    if (!key.ok()) return key.status().Prefixed("a server needs your member key");
    auth_key_.emplace(std::move(*key));
  }
  auto r = Remote::Open(o, *auth_key_);
  if (!r.ok()) return r.status();
  remote_ = std::move(*r);
  return remote_.get();
}

Result<std::string> Context::StagingDir() const {
  if (!remote()) return LedgerDir();
  auto server = Server();
  if (!server.ok()) return server.status();
  return (*server)->replica_dir() + ".staging";
}

Status Context::EnsureContent(Store& store, const Hash32& sha256, uint64_t size) const {
  if (!remote()) return Status::OK();
  auto server = Server();
  if (!server.ok()) return server.status();
  return (*server)->EnsureBlob(store, sha256, size);
}

Status Context::LocalOnly(const std::string& command) const {
  if (!remote()) return Status::OK();
  return Status::Usage(command +
                       " works on a ledger directory, not against a server; run it "
                       "on the server's machine");
}

Result<std::unique_ptr<Store>> Context::OpenWriter(bool catch_up) const {
  writing = true;
  if (remote()) {
    auto server = Server();
    if (!server.ok()) return server.status();
    Progress progress("fetching events");
    return (*server)->Replica(progress.Fn());
  }
  auto dir = LedgerDir();
  if (!dir.ok()) return dir.status();
  OpenOptions options;
  if (const char* t = std::getenv("CUSTODY_BUSY_TIMEOUT_MS"); t && *t) {
    std::string_view v(t);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), options.busy_timeout_ms);
    if (ec != std::errc() || p != v.data() + v.size() || options.busy_timeout_ms < 0)
      return Status::Usage("CUSTODY_BUSY_TIMEOUT_MS must be a number of milliseconds");
  }
  auto store = Store::OpenWriter(*dir, options);
  if (!store.ok()) return store;
  (*store)->set_projector(&IncidentProjector::Instance());
  if (catch_up && (*store)->projections_applied() < (*store)->size()) {
    Progress progress("catching up projections");
    RebuildReport report;
    CUSTODY_RETURN_IF_ERROR(RebuildProjections(store->get(), progress.Fn(), &report));
  }
  return store;
}

Result<std::unique_ptr<Store>> Context::OpenReader() const {
  if (remote()) {
    auto server = Server();
    if (!server.ok()) return server.status();
    Progress progress("fetching events");
    auto store = (*server)->Replica(progress.Fn());
    if (store.ok())
      std::cerr << "custody: verified against " << (*server)->url() << " at tree size "
                << (*server)->verified_size() << "\n";
    return store;
  }
  auto dir = LedgerDir();
  if (!dir.ok()) return dir.status();
  return Store::OpenReader(*dir);
}

void Context::Print(const Json& j, const std::string& text) const {
  printed = true;
  if (json) {
    // Text in events is UTF-8 (checked at append); anything else (a path, a
    // tampered name) is replaced rather than aborting the output.
    std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  } else {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
}

std::string WroteLine(const std::string& path, const std::string& what, uint64_t bytes) {
  return "wrote " + Printable(path) + ": " + what + " (" + std::to_string(bytes) +
         (bytes == 1 ? " byte)" : " bytes)");
}

std::string AppendedLine(uint64_t seq, std::string_view type, const Hash32& id, uint64_t incident) {
  return "appended #" + std::to_string(seq) + " " + std::string(type) + " " + EncodeHex(id) +
         (incident ? " to " + IncidentName(incident) : "");
}

uint64_t FileBytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : n;
  }
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

Status RefuseJson(const Context& ctx, const std::string& command, const std::string& why) {
  if (!ctx.json) return Status::OK();
  return Status::Usage("--json: " + why + " (see custody " + command + " --help)");
}

std::string WithHint(const Status& s) {
  // The library's messages speak of ledgers and events; what to type next is
  // the command line's to say.
  static const std::pair<const char*, const char*> kHints[] = {
      {"no ledger at ", " (create one with: custody init --name NAME)"},
      {"the ledger is damaged", "; run custody verify"},
      {"the ledger has no checkpoint yet", " (make one with: custody checkpoint)"},
  };
  std::string msg = s.message();
  for (auto [found, hint] : kHints)
    if (msg.find(found) != std::string::npos) return msg + hint;
  return msg;
}

int ExitCodeOf(const Context& ctx, const Status& s) {
  return ExitCode(s, ctx.writing ? ExitContext::kWriting : ExitContext::kReading);
}

Progress::Progress(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (!tty_) return;
  const int64_t now = NowNs();
  if (done < total && now - last_ns_ < 100000000) return;  // ten updates a second
  last_ns_ = now;
  shown_ = true;
  if (total == 0) {  // a stream of unknown length: bytes so far
    std::cerr << "\r\033[K" << label_ << ": " << (done >> 20) << " MiB" << std::flush;
    return;
  }
  std::cerr << "\r\033[K" << label_ << ": " << done << "/" << total;
  std::cerr << " (" << (done * 100 / total) << "%)";
  std::cerr << std::flush;
}

Result<Hash32> ParseNpubArg(const std::string& what, const std::string& text) {
  auto key = DecodeNpub(text);
  if (!key.ok()) return key.status().Prefixed(what);
  return key;
}

}  // namespace custody::cli
