// One cached bearer token per server: refreshed before expires_in runs out
// with the refresh grant, password login when that fails, back-off on 429.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/transport.h"
#include "common/result.h"
#include "config/config.h"
#include "model/types.h"

namespace vb365 {

class ApiObserver;

// Thread-safe: concurrent callers of Token() share one login; a login or
// refresh in flight blocks the others instead of starting another.
class TokenManager {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // server: the configured name, for logs. base_url ends with /vN (no
  // trailing slash). v7 and v8 get disable_antiforgery_token=true in the
  // form. observer may be null.
  TokenManager(std::string server, std::string base_url, ApiVersion version,
               std::string username, Secret password, Transport* transport,
               ApiObserver* observer,
               Clock clock = &std::chrono::steady_clock::now);

  // A token valid now: the cached one, a refreshed one when less than a
  // tenth of its lifetime (at most 60 s) is left, or a new login. A failed
  // refresh falls back to a password login; when both fail while the cached
  // token has not expired yet, that token is returned and the next attempt
  // waits a few seconds.
  //
  // Back-off: a 429 from /Token (Retry-After honoured, else 5 s doubling up
  // to 5 min) and a rejected password (400/401: repeated bad logins can lock
  // the account) make Token() return an Error without calling the server
  // until the back-off ends, unless the cached token is still valid.
  //
  // Error codes: kThrottled for a 429 and its back-off, kUnauthorized for a
  // rejected grant (400/401) and the back-off of a rejected password,
  // kMalformed for an unusable token response, kTransport/kTooLarge when no
  // answer came, kHttpStatus for any other status.
  Result<std::string> Token();
  // A request made with `token` got 401: drop it and its refresh token (if
  // still the current one) so the next Token() logs in with the password.
  void Invalidate(const std::string& token);

 private:
  // All called with mu_ held.
  // One /Token request; on success stores the new token pair.
  Result<std::string> RequestToken(bool refresh,
                                   std::chrono::steady_clock::time_point now);
  // Its steps: the form POST for the grant; the Error for a failed
  // request or a non-2xx answer (starting a back-off on 429 and on a
  // rejected password); storing a parsed token.
  HttpRequest TokenRequest(bool refresh) const;
  Error RejectedResponse(bool refresh, const HttpResponse& response,
                         const std::string& prefix,
                         std::chrono::steady_clock::time_point now);
  Result<std::string> AcceptToken(std::string_view grant, TokenResponse token,
                                  std::chrono::steady_clock::time_point now);
  // Reports the failed grant and scrubs the credentials out of `message`.
  Error AuthFailure(std::string_view grant, ErrorCode code,
                    std::string message);
  void StartBackoff(double retry_after_seconds,
                    std::chrono::steady_clock::time_point now);
  const std::string& LastErrorMessage() const;  // "" when none

  const std::string server_;
  const std::string base_url_;
  const ApiVersion version_;
  const std::string username_;
  const Secret password_;
  Transport* transport_;
  ApiObserver* observer_;
  Clock clock_;

  mutable std::mutex mu_;
  std::string access_token_;
  std::string refresh_token_;
  std::chrono::steady_clock::time_point expires_at_{};
  std::chrono::steady_clock::time_point refresh_at_{};
  std::chrono::steady_clock::time_point backoff_until_{};
  int backoff_failures_ = 0;         // consecutive 429s / rejected passwords
  std::optional<Error> last_error_;  // why the back-off started
};

}  // namespace vb365
