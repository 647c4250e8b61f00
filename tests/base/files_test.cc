// Reading small input files a user names: nothing blocks on a FIFO, only
// regular files are read, and the bound holds. Regression tests of issue 12's
// defect 4 ("FIFOs and other non-regular files hang commands").
#include "ledger/base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace custody;
namespace fs = std::filesystem;

TEST_CASE("Defect 4 (issue 12): a FIFO, a directory or a device is refused without blocking",
          "[files]") {
  const fs::path dir = fs::temp_directory_path() / ("custody-files-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string fifo = (dir / "fifo").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto r = ReadSmallFile(fifo, 100);  // with no writer: would wait forever if opened blocking
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == fifo + ": not a regular file");
  CHECK_FALSE(ReadSmallFile(dir.string(), 100).ok());
  CHECK(ReadSmallFile("/dev/zero", 100).status().message() == "/dev/zero: not a regular file");
  CHECK(ReadSmallFile((dir / "none").string(), 100).status().message().rfind("cannot read", 0) ==
        0);

  const std::string file = (dir / "f").string();
  std::ofstream(file) << "hello";
  CHECK(*ReadSmallFile(file, 5) == "hello");
  auto big = ReadSmallFile(file, 4);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() == file + ": larger than 4 bytes");
  fs::remove_all(dir);
}
