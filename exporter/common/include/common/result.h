// Errors as values for expected failures (bad payloads, dead servers).
//
// An Error is a code, which callers branch on, plus a message, which is only
// ever shown (logs, stderr, test output) and never parsed. To hand an error
// up unchanged: `return r.error();`; with what the caller was doing:
// `return r.error().Context("list jobs");` (same code, message
// "list jobs: <message>").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vb365 {

// What kind of failure an Error is. Small on purpose: add a code only when a
// caller needs to tell it apart from the others.
enum class ErrorCode : uint8_t {
  kInternal,   // a bug or an impossible state
  kConfig,     // configuration, flags, web config, a file they name
  kIo,         // a local resource: a port that cannot be bound
  kTransport,  // the request did not complete: connect, TLS, timeout
  // The server's TLS certificate is not the one tls.server_certificate_sha256
  // pins; the handshake was aborted before any request byte was sent.
  kCertificatePinMismatch,
  kTooLarge,      // a response body over the size limit
  kNotFound,      // HTTP 404: the resource (e.g. a deleted job) is gone
  kUnauthorized,  // HTTP 401 after a new login, or credentials rejected
  kThrottled,     // HTTP 429, or a back-off it started is still running
  kHttpStatus,    // any other non-2xx answer
  kMalformed,     // a body that does not parse or lacks required fields
};

// "internal", "config", "io", "transport", "certificate_pin_mismatch",
// "too_large", "not_found", "unauthorized", "throttled", "http_status",
// "malformed".
std::string_view ErrorCodeName(ErrorCode code);

// A failure: its code and a message meant for logs. The message never holds
// a secret.
class Error {
 public:
  Error(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The same error, its message prefixed by "context: ".
  [[nodiscard]] Error Context(std::string_view context) const& {
    return Error(*this).Context(context);
  }
  [[nodiscard]] Error Context(std::string_view context) && {
    message_.insert(0, std::string(context) + ": ");
    return std::move(*this);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

// "<code name>: <message>", for test output; logs use message().
std::ostream& operator<<(std::ostream& os, const Error& error);

// Either a T or an Error. Cheap to move; not thread-safe. Discarding one is
// a compile warning: a caller handles the error or says why it may not.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> stand-in.
struct Ok {};
using Status = Result<Ok>;

}  // namespace vb365
