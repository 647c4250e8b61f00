#include "ledger/base/status.h"

namespace custody {

std::string Status::ToString() const {
  if (ok()) return "OK";
  return msg_;
}

}  // namespace custody
