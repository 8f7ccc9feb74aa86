// One cached bearer token per server: refreshed before expires_in runs out
// with the refresh grant, password login when that fails, back-off on 429.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "api/transport.h"
#include "common/result.h"
#include "config/config.h"

namespace vb365 {

class ApiObserver;

// Thread-safe: concurrent callers of Token() share one login; a login or
// refresh in flight blocks the others instead of starting another.
class TokenManager {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // base_url ends with /vN (no trailing slash). v7 and v8 get
  // disable_antiforgery_token=true in the form.
  TokenManager(std::string base_url, ApiVersion version, std::string username,
               Secret password, Transport* transport, ApiObserver* observer,
               Clock clock = &std::chrono::steady_clock::now);

  // A token valid now: the cached one, a refreshed one when less than a
  // tenth of its lifetime (at most 60 s) is left, or a new login. While a
  // 429 back-off runs, returns an Error without calling the server.
  Result<std::string> Token();
  // A request made with `token` got 401: drop it (if still the current one)
  // so the next Token() logs in again.
  void Invalidate(const std::string& token);

 private:
  Result<std::string> RequestToken(bool refresh);  // called with mu_ held

  const std::string base_url_;
  const ApiVersion version_;
  const std::string username_;
  const Secret password_;
  Transport* transport_;
  ApiObserver* observer_;
  Clock clock_;

  std::mutex mu_;
  std::string access_token_;
  std::string refresh_token_;
  std::chrono::steady_clock::time_point expires_at_{};
  std::chrono::steady_clock::time_point refresh_at_{};
  std::chrono::steady_clock::time_point backoff_until_{};
};

}  // namespace vb365
