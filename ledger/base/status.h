// Status and Result<T>: how every Custody library reports success or failure.
//
// A Status is either ok or carries a code and a one-line message that says what
// and where ("event 1042: prev id mismatch"). Codes are the ones callers act on;
// tools/ maps them to the exit codes of DESIGN.md in one place.
// Ignoring a Status is explicit and greppable: call PermitUnchecked().
// Thread safety: values; safe to copy between threads.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace custody {

class [[nodiscard]] Status {
 public:
  // On-disk format: never change a value (codes appear in --json output).
  enum class Code : int {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,          // stored bytes are not what they must be
    kInvalidArgument = 3,     // input malformed or refused by policy
    kUnauthorized = 4,        // the author may not append this
    kVerificationFailed = 5,  // a signature, proof or trust check failed
    kIOError = 6,
    kBusy = 7,      // the ledger is locked by another writer
    kUsage = 8,     // the command line itself is wrong
    kRejected = 9,  // an event breaks a rule of the ledger (docs/rules.md)
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status Unauthorized(std::string msg) {
    return Status(Code::kUnauthorized, std::move(msg));
  }
  static Status VerificationFailed(std::string msg) {
    return Status(Code::kVerificationFailed, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Usage(std::string msg) { return Status(Code::kUsage, std::move(msg)); }
  // Every rule of the rule set (rules/) returns Rejected, or Unauthorized for
  // the permission table, wherever it fires: at append, in verify, in
  // verify-package. What that means for the caller is ExitCode's to say.
  static Status Rejected(std::string msg) { return Status(Code::kRejected, std::move(msg)); }
  // A status carried over a wire (a server's answer): code as sent.
  static Status FromCode(Code code, std::string msg) { return Status(code, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsUnauthorized() const { return code_ == Code::kUnauthorized; }
  bool IsVerificationFailed() const { return code_ == Code::kVerificationFailed; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsRejected() const { return code_ == Code::kRejected; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string ToString() const;

  // Returns a status of the same code whose message is "prefix: message".
  Status Prefixed(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + ": " + msg_);
  }
  // Marks a status as deliberately ignored.
  void PermitUnchecked() const {}

 private:
  Status(Code code, std::string msg) : code_(code), msg_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

// A value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: REQUIRES: !status.ok()
  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// What a program was doing when a status ended it: writing (an event it
// offered broke a rule: input rejected) or reading and verifying (a stored
// event breaks a rule: verification failed).
enum class ExitContext { kWriting, kReading };

// The exit codes of DESIGN.md, the one mapping from Status: 0 ok,
// 1 verification failed, 2 usage, 3 input rejected, 4 storage or I/O, 5 busy.
// A broken rule (Rejected, Unauthorized) is 3 when writing and 1 when reading.
int ExitCode(const Status& s, ExitContext context);

#define CUSTODY_RETURN_IF_ERROR(expr) \
  do {                                \
    ::custody::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

}  // namespace custody
