// The JSON hot path: response bytes -> plain structs. No I/O, no Prometheus.
// Only this module links simdjson; its types never leave
// src/structural_index.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/types.h"
#include "parse/padded_body.h"

namespace vb365 {

// The human part of an API error body: OAuth's "error" and
// "error_description" (the token endpoint), or "message" (v6+; "Message"
// on some servers). Each is present only when sent as a string.
struct ApiErrorBody {
  std::optional<std::string> error;
  std::optional<std::string> error_description;
  std::optional<std::string> message;
};

// A reusable parser. Not thread-safe: keep one per worker thread. Every
// method accepts either a plain JSON array (v3/v4) or a page envelope
// {"offset","limit","results":[...],"_links":{"next":...}} (v5+). Every value
// is type-checked; a malformed document returns an Error and leaves *out as it
// was before the call (nothing partial is appended). Unknown fields are
// skipped; unknown status or bottleneck strings map to kUnknown.
// The input is a PaddedBody: the padding the parser reads past the end is
// part of its type.
class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // /Jobs/{id}/JobSessions or /JobSessions: appends to *out.
  Result<PageInfo> ParseSessions(const PaddedBody& body,
                                 std::vector<JobSession>* out);
  // /Jobs: appends to *out.
  Result<PageInfo> ParseJobs(const PaddedBody& body, std::vector<Job>* out);
  // POST /Token response.
  Result<TokenResponse> ParseToken(const PaddedBody& body);
  // GET /ServiceInstance.
  Result<ServiceInstance> ParseServiceInstance(const PaddedBody& body);
  // The body of an error response (any endpoint): an object whose members
  // of other types are skipped, never an error; not an object is an error.
  Result<ApiErrorBody> ParseErrorBody(const PaddedBody& body);

  // The parser keeps buffers sized for the largest document it has parsed
  // (about 4 bytes of token index per input byte, so ~30 MB after a 7 MB
  // response). This frees them; the next call allocates again.
  void ReleaseMemory();
  // Bytes held by those buffers now.
  size_t MemoryUsage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vb365
