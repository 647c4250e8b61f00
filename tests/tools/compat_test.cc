// Earlier releases stay readable (docs/storage.md "Versions"): the ledger and
// the user package that release 0.3.0 wrote (tests/testdata/v0.3.0, made by
// tools/drill.sh with the binary of tag v0.3.0) open, verify and take a new
// append with this binary, and the package verifies with this
// custody-verify-package. The data is copied to a temporary directory first.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/tools/cli_run.h"

using namespace custody::test;
namespace fs = std::filesystem;

namespace {

struct OldRelease {
  TempDir tmp;
  std::string dir = tmp / "v0.3.0";
  std::string ledger = dir + "/ledger", admin, user;

  OldRelease() {
    fs::copy(TestData("v0.3.0"), dir, fs::copy_options::recursive);
    for (const char* key : {"admin.nsec", "alice.nsec", "bob.nsec", "legal.nsec"})
      chmod((dir + "/" + key).c_str(), 0600);
    admin = Trim(ReadFile(dir + "/admin.npub"));
    user = Trim(ReadFile(dir + "/user.npub"));
  }
  Out Run(std::vector<std::string> args, const std::string& key = "") {
    std::vector<std::string> all = {"--ledger", ledger};
    if (!key.empty()) all.insert(all.end(), {"--key", dir + "/" + key});
    all.insert(all.end(), args.begin(), args.end());
    return custody::test::Run(all);
  }
};

}  // namespace

TEST_CASE("Compatibility: the v0.3.0 ledger opens, verifies and takes a new append", "[compat]") {
  OldRelease r;
  auto v = r.Run({"verify", "--trust", r.admin, "--checkpoint", r.dir + "/checkpoint-1.note"});
  INFO(v.out + v.err);
  CHECK(v.code == 0);
  CHECK(Has(v.out, "result         OK\n"));  // and no finding
  CHECK(Has(v.out, "events         41 verified"));
  // Reading commands work on it as they did.
  CHECK(r.Run({"log"}).code == 0);
  CHECK(r.Run({"status", "INC-4"}).code == 0);
  CHECK(r.Run({"timeline", "INC-4", "--format", "md"}).code == 0);
  CHECK(r.Run({"pir", "report", "INC-4"}).code == 0);
  // A new append on top of it, under the rule set of this release.
  auto note = r.Run({"note", "--incident", "INC-4", "read back by a later release"}, "bob.nsec");
  INFO(note.err);
  CHECK(note.code == 0);
  auto refused = r.Run({"freeze", "INC-4", "card-issuance", "--reason", "closed"}, "bob.nsec");
  CHECK(refused.code == 3);  // INC-4 is closed: the runbook still holds for it
  CHECK(r.Run({"checkpoint"}, "admin.nsec").code == 0);
  v = r.Run({"verify", "--trust", r.admin, "--checkpoint", r.dir + "/checkpoint-2.note"});
  INFO(v.out + v.err);
  CHECK(v.code == 0);
  CHECK(Has(v.out, "events         43 verified"));
  auto json = Json::parse(r.Run({"--json", "verify"}).out);
  CHECK(json["findings"].empty());
}

TEST_CASE("Compatibility: the v0.3.0 user package verifies with this custody-verify-package",
          "[compat]") {
  OldRelease r;
  const std::string verifier = fs::path(CUSTODY_BIN).parent_path() / "custody-verify-package";
  TempDir io;
  const std::string cmd =
      verifier + " " + r.dir + "/package --trust " + r.admin + " >" + (io / "o") + " 2>&1";
  const int status = std::system(cmd.c_str());
  INFO(ReadFile(io / "o"));
  CHECK(status == 0);
  CHECK(Has(ReadFile(io / "o"), "result         OK"));
  // Format v1: no README.txt, and none required (docs/package.md "Versions").
  CHECK(Has(ReadFile(io / "o"), "readme         none: a custody-evidence-package/v1 package"));
  auto same = custody::test::Run({"verify-package", r.dir + "/package", "--trust", r.admin});
  CHECK(same.code == 0);
  // Tampered, it still fails: the old package is checked, not waved through.
  const std::string events = r.dir + "/package/data/events";
  for (auto& entry : fs::directory_iterator(events)) {
    if (entry.path().extension() != ".event") continue;
    std::string bytes = ReadFile(entry.path());
    bytes[bytes.size() - 1] ^= 1;
    std::ofstream(entry.path(), std::ios::binary) << bytes;
    break;
  }
  CHECK(custody::test::Run({"verify-package", r.dir + "/package", "--trust", r.admin}).code == 1);
}
