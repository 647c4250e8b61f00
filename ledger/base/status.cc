#include "ledger/base/status.h"

namespace custody {

std::string Status::ToString() const {
  if (ok()) return "OK";
  return msg_;
}

int ExitCode(const Status& s, ExitContext context) {
  switch (s.code()) {
    case Status::Code::kOk:
      return 0;
    case Status::Code::kCorruption:
    case Status::Code::kVerificationFailed:
      return 1;
    case Status::Code::kRejected:
    case Status::Code::kUnauthorized:
      return context == ExitContext::kWriting ? 3 : 1;
    case Status::Code::kUsage:
      return 2;
    case Status::Code::kNotFound:
    case Status::Code::kInvalidArgument:
      return 3;
    case Status::Code::kIOError:
      return 4;
    case Status::Code::kBusy:
      return 5;
  }
  return 4;
}

}  // namespace custody
