#include "api/token_manager.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "api/client.h"
#include "api/http_util.h"
#include "common/log.h"
#include "response_error.h"
#include "thread_parser.h"

namespace vb365 {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr double kFirstBackoffSeconds = 5;
constexpr double kMaxBackoffSeconds = 300;
// Used when a token response has no usable expires_in: a wrong guess only
// costs one 401 and a re-login.
constexpr int64_t kDefaultLifetimeSeconds = 3600;
// After a failed refresh while the token is still valid, wait this long
// before trying again instead of asking on every request.
constexpr auto kRetryAfterFailedRefresh = seconds(5);

bool WantsAntiforgeryFlag(ApiVersion v) {
  return v == ApiVersion::kV7 || v == ApiVersion::kV8;
}

steady_clock::duration Seconds(double s) {
  return std::chrono::duration_cast<steady_clock::duration>(
      std::chrono::duration<double>(s));
}

}  // namespace

TokenManager::TokenManager(std::string server, std::string base_url,
                           ApiVersion version, std::string username,
                           Secret password, Transport* transport,
                           ApiObserver* observer, Clock clock)
    : server_(std::move(server)),
      base_url_(std::move(base_url)),
      version_(version),
      username_(std::move(username)),
      password_(std::move(password)),
      transport_(transport),
      observer_(observer),
      clock_(std::move(clock)) {}

Result<std::string> TokenManager::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = clock_();
  const bool have_valid = !access_token_.empty() && now < expires_at_;
  if (have_valid && now < refresh_at_) return access_token_;

  if (now < backoff_until_) {
    if (have_valid) return access_token_;
    double left = std::chrono::duration<double>(backoff_until_ - now).count();
    // The code of what started the back-off: kThrottled after a 429,
    // kUnauthorized after a rejected password.
    const ErrorCode code =
        last_error_ ? last_error_->code() : ErrorCode::kThrottled;
    return Error(code, "token: not asking the server for another " +
                           std::to_string(static_cast<int>(std::ceil(left))) +
                           "s after: " + LastErrorMessage());
  }

  if (!refresh_token_.empty()) {
    Result<std::string> refreshed = RequestToken(/*refresh=*/true, now);
    if (refreshed.ok()) return refreshed;
    // The refresh token is spent or rejected: the password decides now.
    refresh_token_.clear();
    if (now < backoff_until_) {  // 429 on the refresh
      if (have_valid) return access_token_;
      return refreshed;
    }
    Log(LogLevel::kInfo, "token refresh failed, logging in again",
        {{"server", server_}, {"error", refreshed.error().message()}});
  }

  Result<std::string> login = RequestToken(/*refresh=*/false, now);
  if (login.ok()) return login;
  if (have_valid) {
    refresh_at_ = std::min(expires_at_, now + kRetryAfterFailedRefresh);
    Log(LogLevel::kWarn, "token renewal failed, using the current token",
        {{"server", server_}, {"error", login.error().message()}});
    return access_token_;
  }
  return login;
}

void TokenManager::Invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token.empty() || token != access_token_) return;  // already replaced
  access_token_.clear();
  refresh_token_.clear();
  expires_at_ = refresh_at_ = steady_clock::time_point{};
}

const std::string& TokenManager::LastErrorMessage() const {
  static const std::string kNone;
  return last_error_ ? last_error_->message() : kNone;
}

void TokenManager::StartBackoff(double retry_after_seconds,
                                steady_clock::time_point now) {
  ++backoff_failures_;
  double wait = retry_after_seconds;
  if (wait <= 0) {
    wait = kFirstBackoffSeconds *
           std::pow(2.0, std::min(backoff_failures_ - 1, 16));
  }
  wait = std::min(wait, kMaxBackoffSeconds);
  backoff_until_ = now + Seconds(wait);
  Log(LogLevel::kWarn, "token endpoint: backing off",
      {{"server", server_},
       {"seconds", std::to_string(static_cast<int>(std::ceil(wait)))},
       {"error", LastErrorMessage()}});
}

HttpRequest TokenManager::TokenRequest(bool refresh) const {
  HttpRequest request;
  request.method = "POST";
  request.url = base_url_ + "/Token";
  request.headers.emplace_back("Content-Type",
                               "application/x-www-form-urlencoded");
  if (refresh) {
    request.body = "grant_type=refresh_token&refresh_token=" +
                   http::UrlEncode(refresh_token_);
  } else {
    request.body =
        "grant_type=password&username=" + http::UrlEncode(username_) +
        "&password=" + http::UrlEncode(password_.Reveal());
  }
  if (WantsAntiforgeryFlag(version_)) {
    request.body += "&disable_antiforgery_token=true";
  }
  return request;
}

Error TokenManager::AuthFailure(std::string_view grant, ErrorCode code,
                                std::string message) {
  if (observer_ != nullptr) observer_->OnAuth(grant, false);
  return Error(code, http::Scrub(http::Scrub(http::Scrub(std::move(message),
                                                         password_.Reveal()),
                                             refresh_token_),
                                 access_token_));
}

Error TokenManager::RejectedResponse(bool refresh, const HttpResponse& response,
                                     const std::string& prefix,
                                     steady_clock::time_point now) {
  const std::string_view grant = refresh ? "refresh_token" : "password";
  if (response.status == 0) {
    return AuthFailure(grant, ResponseErrorCode(response),
                       prefix + response.error);
  }
  std::string detail = http::ErrorBodyMessage(
      response.body, 200, {password_.Reveal(), refresh_token_, access_token_});
  std::string message = prefix + "HTTP " + std::to_string(response.status);
  if (!detail.empty()) message += ": " + detail;
  // OAuth answers a rejected grant (bad password, spent refresh token) with
  // 400 invalid_grant, some servers with 401.
  const ErrorCode code = response.status == 400 ? ErrorCode::kUnauthorized
                                                : ResponseErrorCode(response);
  if (response.status == 429) {
    last_error_ = Error(code, message);
    StartBackoff(response.retry_after_seconds, now);
  } else if (!refresh && (response.status == 400 || response.status == 401)) {
    last_error_ = Error(code, message);
    StartBackoff(-1, now);
  }
  return AuthFailure(grant, code, std::move(message));
}

Result<std::string> TokenManager::AcceptToken(std::string_view grant,
                                              TokenResponse token,
                                              steady_clock::time_point now) {
  int64_t lifetime = token.expires_in_seconds > 0 ? token.expires_in_seconds
                                                  : kDefaultLifetimeSeconds;
  auto life = seconds(lifetime);
  auto margin = std::min<steady_clock::duration>(life / 10, seconds(60));
  access_token_ = std::move(token.access_token);
  refresh_token_ = std::move(token.refresh_token);
  expires_at_ = now + life;
  refresh_at_ = expires_at_ - margin;
  backoff_failures_ = 0;
  backoff_until_ = steady_clock::time_point{};
  last_error_.reset();
  if (observer_ != nullptr) observer_->OnAuth(grant, true);
  Log(LogLevel::kDebug, "token obtained",
      {{"server", server_},
       {"grant", grant},
       {"expires_in", std::to_string(lifetime)}});
  return access_token_;
}

Result<std::string> TokenManager::RequestToken(bool refresh,
                                               steady_clock::time_point now) {
  const std::string_view grant = refresh ? "refresh_token" : "password";
  const HttpRequest request = TokenRequest(refresh);
  HttpResponse response = transport_->Send(request);
  if (observer_ != nullptr) {
    observer_->OnRequest("token", response.status, response.elapsed_seconds,
                         response.body.size());
  }
  const std::string prefix = "token (" + std::string(grant) + "): ";
  if (response.status < 200 || response.status > 299) {
    return RejectedResponse(refresh, response, prefix, now);
  }

  Result<TokenResponse> parsed = ThreadParser().ParseToken(response.body);
  if (!parsed.ok() || parsed->access_token.empty()) {
    if (observer_ != nullptr) observer_->OnParseError("token");
    // The parser's message may quote the body, which holds the new token.
    return AuthFailure(grant, ErrorCode::kMalformed,
                       prefix + "malformed token response");
  }
  return AcceptToken(grant, std::move(*parsed), now);
}

}  // namespace vb365
