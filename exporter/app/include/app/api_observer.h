// Connects the client's ApiObserver to one server's self metrics.
#pragma once

#include "api/client.h"
#include "metrics/self_metrics.h"

namespace vb365 {

// Thread-safe (ServerSelfMetrics is).
class MetricsApiObserver : public ApiObserver {
 public:
  explicit MetricsApiObserver(ServerSelfMetrics* metrics) : m_(metrics) {}
  void OnRequest(std::string_view endpoint, int code, double seconds,
                 size_t response_bytes) override {
    m_->OnRequest(endpoint, code, seconds, response_bytes);
  }
  void OnAuth(std::string_view grant, bool ok) override {
    m_->OnAuth(grant, ok);
  }
  void OnParseError(std::string_view endpoint) override {
    m_->OnParseError(endpoint);
  }

 private:
  ServerSelfMetrics* m_;
};

}  // namespace vb365
