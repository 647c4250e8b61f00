// Reading a small input file a user names (a key file, a saved checkpoint or
// proof, a reconciliation). Nothing blocks on the path: it is opened without
// waiting (a FIFO or a device is refused, not read), and only a regular file
// is read, up to a bound.
#pragma once

#include <cstddef>
#include <string>

#include "ledger/base/status.h"

namespace custody {

// The file's bytes. InvalidArgument "cannot read PATH: why" if it cannot be
// opened, "PATH: not a regular file" for a FIFO, socket, device or
// directory, "PATH: larger than N bytes" past max_bytes.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

}  // namespace custody
