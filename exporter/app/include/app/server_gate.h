// The switch between one server's refresher and the metrics: a reload that
// removes or restarts the server closes it, so a refresher that did not
// stop in time (still inside a request) can no longer publish a snapshot
// or count a request for it.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <utility>

namespace vb365 {

// Thread-safe. Calls through an open gate run concurrently; Close() waits
// for the ones in progress and lets none through afterwards.
class ServerGate {
 public:
  template <typename F>
  void IfOpen(F&& f) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (open_) std::forward<F>(f)();
  }
  void Close() {
    std::unique_lock<std::shared_mutex> lock(mu_);
    open_ = false;
  }

 private:
  std::shared_mutex mu_;
  bool open_ = true;
};

}  // namespace vb365
