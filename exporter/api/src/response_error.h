// The ErrorCode of a response that is not a success, shared by the client
// and the token manager. Internal to the api module.
#pragma once

#include "api/transport.h"
#include "common/result.h"

namespace vb365 {

// status 0: kCertificatePinMismatch when the pin did not match, kTooLarge
// when the body was over the limit, else kTransport.
// 404 kNotFound, 401 kUnauthorized, 429 kThrottled, any other kHttpStatus.
inline ErrorCode ResponseErrorCode(const HttpResponse& response) {
  switch (response.status) {
    case 0:
      if (response.pin_mismatch) return ErrorCode::kCertificatePinMismatch;
      return response.too_large ? ErrorCode::kTooLarge : ErrorCode::kTransport;
    case 401:
      return ErrorCode::kUnauthorized;
    case 404:
      return ErrorCode::kNotFound;
    case 429:
      return ErrorCode::kThrottled;
    default:
      return ErrorCode::kHttpStatus;
  }
}

}  // namespace vb365
