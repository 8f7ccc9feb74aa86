#include "common/result.h"

#include <ostream>

namespace vb365 {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kConfig:
      return "config";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kTransport:
      return "transport";
    case ErrorCode::kCertificatePinMismatch:
      return "certificate_pin_mismatch";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kThrottled:
      return "throttled";
    case ErrorCode::kHttpStatus:
      return "http_status";
    case ErrorCode::kMalformed:
      return "malformed";
  }
  return "internal";
}

std::ostream& operator<<(std::ostream& os, const Error& error) {
  return os << ErrorCodeName(error.code()) << ": " << error.message();
}

}  // namespace vb365
