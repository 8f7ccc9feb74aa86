// The JSON hot path: response bytes -> plain structs. No I/O, no Prometheus.
// Only this module links simdjson; its types never leave parser.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "common/result.h"
#include "model/types.h"

namespace vb365 {

// Bytes the parser may read past the end of its input (simdjson's padding).
// Receive buffers reserve this much so the parser never copies the body.
inline constexpr size_t kParsePadding = 64;

// A reusable parser. Not thread-safe: keep one per worker thread. Every
// method accepts either a plain JSON array (v3/v4) or a page envelope
// {"offset","limit","results":[...],"_links":{"next":...}} (v5+). Every value
// is type-checked; a malformed document returns an Error and leaves *out as it
// was before the call (nothing partial is appended). Unknown fields are
// skipped; unknown status or bottleneck strings map to kUnknown.
//
// `data` must have kParsePadding readable bytes after data[size-1].
class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // /Jobs/{id}/JobSessions or /JobSessions: appends to *out.
  Result<PageInfo> ParseSessions(const char* data, size_t size,
                                 std::vector<JobSession>* out);
  // /Jobs: appends to *out.
  Result<PageInfo> ParseJobs(const char* data, size_t size,
                             std::vector<Job>* out);
  // POST /Token response.
  Result<TokenResponse> ParseToken(const char* data, size_t size);
  // GET /ServiceInstance.
  Result<ServiceInstance> ParseServiceInstance(const char* data, size_t size);

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
