// Connects the client's ApiObserver to one server's self metrics.
#pragma once

#include <memory>
#include <utility>

#include "api/client.h"
#include "app/server_gate.h"
#include "metrics/self_metrics.h"

namespace vb365 {

// Thread-safe (ServerSelfMetrics is). With a gate, nothing is counted once
// it is closed (the metrics may be gone).
class MetricsApiObserver : public ApiObserver {
 public:
  explicit MetricsApiObserver(ServerSelfMetrics* metrics,
                              std::shared_ptr<ServerGate> gate = nullptr)
      : m_(metrics), gate_(std::move(gate)) {}
  void OnRequest(std::string_view endpoint, int code, double seconds,
                 size_t response_bytes) override {
    Through([&] { m_->OnRequest(endpoint, code, seconds, response_bytes); });
  }
  void OnAuth(std::string_view grant, bool ok) override {
    Through([&] { m_->OnAuth(grant, ok); });
  }
  void OnParseError(std::string_view endpoint) override {
    Through([&] { m_->OnParseError(endpoint); });
  }

 private:
  template <typename F>
  void Through(F&& f) {
    if (gate_) {
      gate_->IfOpen(std::forward<F>(f));
    } else {
      f();
    }
  }
  ServerSelfMetrics* m_;
  std::shared_ptr<ServerGate> gate_;
};

}  // namespace vb365
