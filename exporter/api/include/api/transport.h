// The HTTP seam: the token logic and the client talk to a Transport, so unit
// tests drive them with a fake and integration tests with libcurl.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "parse/padded_body.h"

namespace vb365 {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;             // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // for POST (form-encoded by the caller)
};

struct HttpResponse {
  int status = 0;          // HTTP status; 0 when the request did not complete
  std::string error;       // transport error (status 0); never holds a secret
  bool too_large = false;  // status 0 because the body was over the limit
  // status 0 because the server's certificate is not the pinned one (the
  // handshake was aborted: nothing of the request was sent).
  bool pin_mismatch = false;
  // The body, with the padding the parser needs, so it is parsed in place.
  PaddedBody body;
  // Retry-After in seconds, when sent; -1 otherwise.
  double retry_after_seconds = -1;
  double elapsed_seconds = 0;
};

// Sends one request and waits for the whole response. Implementations are
// thread-safe: several workers call Send at once.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual HttpResponse Send(const HttpRequest& request) = 0;
};

}  // namespace vb365
