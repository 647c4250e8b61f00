// custody serve | open | trust reset | backup
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/base/time.h"
#include "ledger/keyfile.h"
#include "net/http_client.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "server/http_server.h"
#include "server/sequencer.h"
#include "tools/cli.h"
#include "tools/passphrase.h"

namespace custody::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8443";
  std::string notary_key;
  std::string notary_passphrase_file;
  std::string tls_cert, tls_key;
  std::string public_url;
  std::string metrics_listen;
  bool init = false;
  std::string admin;
  std::string name;
  unsigned threads = 2;
  bool quiet = false;
  int header_timeout_ms = 10000;
};

// HOST:PORT, [V6]:PORT, or :PORT (the default host).
Status SplitHostPort(const std::string& what, const std::string& text,
                     const std::string& default_host, std::string* host, std::string* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Status::Usage(what + " must be HOST:PORT, not " + text);
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  if (host->empty()) *host = default_host;
  if (port->empty() || port->size() > 5 ||
      port->find_first_not_of("0123456789") != std::string::npos)
    return Status::Usage(what + ": bad port in " + text);
  return Status::OK();
}

Status Serve(const Context& ctx, const ServeArgs& a) {
  CUSTODY_RETURN_IF_ERROR(ctx.LocalOnly("serve"));
  CUSTODY_RETURN_IF_ERROR(
      RefuseJson(ctx, "serve", "serve prints its URL and notary key, then a request log"));
  auto dir = ctx.LedgerDir();
  if (!dir.ok()) return dir.status();
  if (a.notary_key.empty()) return Status::Usage("serve needs --notary-key FILE");
  ServerOptions so;
  CUSTODY_RETURN_IF_ERROR(SplitHostPort("--listen", a.listen, "127.0.0.1", &so.host, &so.port));
  if (!a.metrics_listen.empty())
    CUSTODY_RETURN_IF_ERROR(SplitHostPort("--metrics-listen", a.metrics_listen, "127.0.0.1",
                                          &so.metrics_host, &so.metrics_port));
  so.tls_cert = a.tls_cert;
  so.tls_key = a.tls_key;
  so.threads = std::max(1u, a.threads);
  so.log_requests = !a.quiet;
  if (a.header_timeout_ms < 100) return Status::Usage("--header-timeout-ms: at least 100");
  so.header_timeout_ms = a.header_timeout_ms;
  if (!a.public_url.empty()) {
    auto url = ParseUrl(a.public_url);
    if (!url.ok()) return url.status().Prefixed("--public-url");
    so.public_url = url->base;
  }
  SequencerOptions qo;
  qo.dir = *dir;
  if (a.init) {
    if (a.admin.empty() || a.name.empty())
      return Status::Usage("serve --init needs --admin NPUB and --name NAME");
    auto admin = DecodeNpub(a.admin);
    if (!admin.ok()) return Status::Usage("--admin: " + admin.status().message());
    qo.init_admin = *admin;
    qo.init_name = a.name;
  } else if (!a.admin.empty() || !a.name.empty()) {
    return Status::Usage("--admin and --name go with --init");
  }
  // A service reads the key's passphrase from a file (systemd's
  // LoadCredential puts it in the unit's credentials directory, %d).
  PassphraseFn passphrase = ReadPassphrase;
  if (!a.notary_passphrase_file.empty())
    passphrase = [&a](const std::string&, bool) -> Result<std::string> {
      auto text = ReadSmallFile(a.notary_passphrase_file, 4096);
      if (!text.ok()) return text.status().Prefixed("--notary-passphrase-file");
      std::string p(text->begin(), text->end());
      if (!p.empty() && p.back() == '\n') p.pop_back();
      return p;
    };
  auto notary = LoadKeyFile(a.notary_key, passphrase);
  if (!notary.ok()) return notary.status().Prefixed("--notary-key");
  const Hash32 notary_pub = notary->public_key();

  // SIGTERM and SIGINT are taken by this thread alone (sigwait), so every
  // thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Bind first: the URL (its port may be the system's choice) goes into the
  // ledger's SERVED_BY, so a local writer names the server at once.
  auto server = HttpServer::Bind(so);
  if (!server.ok()) return server.status();
  qo.url = (*server)->public_url();
  auto seq = Sequencer::Open(qo, std::move(*notary));
  if (!seq.ok()) return seq.status();
  (*server)->Run(seq->get());
  const std::string url = (*server)->public_url();
  // What a client needs to pin: the URL and the notary key.
  std::cout << "serving " << url << "\nnotary " << EncodeNpub(notary_pub) << "\n";
  if ((*server)->metrics_port())
    std::cout << "metrics http://" << so.metrics_host << ":" << (*server)->metrics_port()
              << "/metrics\n";
  if (a.init)
    std::cout << "awaiting the genesis of " << a.admin << ": custody --ledger " << url
              << " --trust " << EncodeNpub(notary_pub) << " init --name " << a.name << "\n";
  std::cout << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "custody serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": finishing requests in flight\n";
  (*server)->Stop(30000);
  (*seq)->Stop();
  std::cerr << "custody serve: stopped\n";
  return Status::OK();
}

// Starts the user's browser on url ($BROWSER, else xdg-open), without a
// shell; the browser's output goes nowhere.
Status StartBrowser(const std::string& url) {
  const char* env = std::getenv("BROWSER");
  const std::string browser = env && *env ? env : "xdg-open";
  const pid_t pid = fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
    }
    execlp(browser.c_str(), browser.c_str(), url.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::IOError("could not start a browser (" + browser +
                           (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": not found" : "") +
                           "); open the URL above yourself");
  return Status::OK();
}

// custody open INC-n: a sign-in link to the incident's live board, made of
// an event signed by the member's key (valid kSigninTokenSeconds, good once).
Status Open(const Context& ctx, const std::string& incident_text, bool browser) {
  auto incident = ParseIncidentName(incident_text);
  if (!incident.ok()) return incident.status();
  if (!ctx.remote())
    return Status::Usage("open shows a server's board: give --ledger https://HOST:PORT");
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  if (auto st = (*store)->LoadIncident(*incident); !st.ok())
    return st.status().IsNotFound() ? Status::InvalidArgument(st.status().message()) : st.status();
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  auto server = ctx.Server();
  if (!server.ok()) return server.status();
  const int64_t now = NowNs() / 1000000000;
  const std::string board = (*server)->url() + proto::BoardPagePath(*incident);
  auto token = MakeSigninToken(*key, board, now);
  if (!token.ok()) return token.status();
  const std::string url = (*server)->url() + std::string(proto::kSignin) + "?token=" + *token;
  ctx.Print({{"url", url},
             {"board", board},
             {"expires", FormatTime((now + kSigninTokenSeconds) * 1000000000)}},
            url);
  if (browser) return StartBrowser(url);
  return Status::OK();
}

Status TrustReset(const Context& ctx, const std::string& url) {
  RemoteOptions o;
  o.url = url;
  CUSTODY_RETURN_IF_ERROR(ResetTrust(o));
  ctx.Print({{"reset", url}}, "forgot the pinned key, checkpoint and replica of " + url +
                                  "; the next command pins again (give --trust NPUB)");
  return Status::OK();
}

Status Backup(const Context& ctx, const std::string& out) {
  if (out.empty()) return Status::Usage("backup needs --out DIR");
  if (ctx.remote()) {
    // The server writes the copy on its own machine, beside its ledger.
    if (out[0] != '/') return Status::Usage("--out: an absolute path on the server's machine");
    ctx.writing = true;
    auto server = ctx.Server();
    if (!server.ok()) return server.status();
    CUSTODY_RETURN_IF_ERROR((*server)->Backup(out));
    ctx.Print({{"out", out}, {"server", (*server)->url()}},
              "wrote " + out + " on " + (*server)->url() + ": a backup of its ledger");
    return Status::OK();
  }
  auto store = ctx.OpenWriter();
  if (!store.ok()) {
    auto dir = ctx.LedgerDir();
    if (auto url = dir.ok() ? ServedBy(*dir) : Result<std::string>(Status::NotFound("")); url.ok())
      return Status::Busy("ledger " + *dir + " is served by " + *url +
                          "; ask the server: custody --ledger " + *url + " backup --out DIR");
    return store.status();
  }
  CUSTODY_RETURN_IF_ERROR((*store)->Backup(out));
  ctx.Print({{"out", out}, {"events", (*store)->size()}},
            WroteLine(out, "a backup of " + std::to_string((*store)->size()) + " events",
                      FileBytes(out)));
  return Status::OK();
}

}  // namespace

void AddServerCommands(CLI::App& app, Context& ctx) {
  auto backup_out = std::make_shared<std::string>();
  auto* backup = app.add_subcommand(
      "backup", "A consistent copy of the ledger in a new directory, safe while others append");
  backup->add_option("--out", *backup_out, "The new directory")->required();
  backup->callback(
      [&ctx, backup_out] { ctx.run = [&ctx, backup_out] { return Backup(ctx, *backup_out); }; });

  auto a = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand(
      "serve", "Serve the ledger to the team over HTTP(S), as its one writer (docs/server.md)");
  serve->add_option("--listen", a->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve
      ->add_option("--notary-key", a->notary_key,
                   "The server's own key file: signs tree heads, promises and stored "
                   "checkpoints (the notary role)")
      ->required();
  serve->add_option("--tls-cert", a->tls_cert, "PEM certificate chain (with --tls-key: HTTPS)");
  serve->add_option("--tls-key", a->tls_key, "PEM private key of --tls-cert");
  serve->add_option("--public-url", a->public_url,
                    "The URL clients use (NIP-98 events name it); default from --listen");
  serve->add_option("--metrics-listen", a->metrics_listen,
                    "HOST:PORT for Prometheus metrics (/metrics); :PORT binds 127.0.0.1");
  serve->add_option("--notary-passphrase-file", a->notary_passphrase_file,
                    "Read the notary key's passphrase from FILE (a systemd credential: "
                    "%d/NAME); else CUSTODY_PASSPHRASE_FD or the terminal");
  serve->add_flag("--init", a->init,
                  "Create the ledger: wait for a genesis signed remotely by --admin");
  serve->add_option("--admin", a->admin, "With --init: the npub of the first admin");
  serve->add_option("--name", a->name, "With --init: the ledger's name");
  serve->add_option("--threads", a->threads, "Threads serving connections")->capture_default_str();
  serve->add_flag("--quiet", a->quiet, "No request log on standard error");
  serve->add_option("--header-timeout-ms", a->header_timeout_ms,
                    "How long a connection's first request header may take (default 10000)");
  serve->callback([&ctx, a] { ctx.run = [&ctx, a] { return Serve(ctx, *a); }; });

  auto open_incident = std::make_shared<std::string>();
  auto open_browser = std::make_shared<bool>(false);
  auto* open =
      app.add_subcommand("open", "Print a sign-in link to an incident's live board on the server");
  open->add_option("INCIDENT", *open_incident, "The incident (INC-<n>)")->required();
  open->add_flag("--browser", *open_browser,
                 "Open the link in a browser ($BROWSER, else xdg-open)");
  open->callback([&ctx, open_incident, open_browser] {
    ctx.run = [&ctx, open_incident, open_browser] {
      return Open(ctx, *open_incident, *open_browser);
    };
  });

  auto* trust = app.add_subcommand("trust", "What this machine trusts of a server");
  trust->require_subcommand(1);
  auto url = std::make_shared<std::string>();
  auto* reset = trust->add_subcommand(
      "reset",
      "Forget a server's pinned notary key, verified checkpoint and replica — only after a "
      "legitimate restore or key change, confirmed with its operator");
  reset->add_option("URL", *url, "The server, https://HOST:PORT")->required();
  reset->callback([&ctx, url] { ctx.run = [&ctx, url] { return TrustReset(ctx, *url); }; });
}

}  // namespace custody::cli
