// Small text helpers shared by the token manager and the client: URL and
// form encoding, and turning a server's error body into a short, safe message.
// Internal to the api module. All functions are thread-safe (the error body
// is read by the calling thread's parser, parse/'s error-body reader).
#pragma once

#include <ctime>
#include <initializer_list>
#include <string>
#include <string_view>

#include "parse/padded_body.h"

namespace vb365::http {

// Percent-encodes everything except RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), so "DOMAIN\user" -> "DOMAIN%5Cuser" and a space ->
// "%20". Used for form values, query values and path segments alike.
std::string UrlEncode(std::string_view text);

// The human part of an error body: OAuth {"error","error_description"}
// ("invalid_grant: bad password") or {"message"} (v6+), read by
// Parser::ParseErrorBody. Empty when the body is not a JSON object or has
// none of them as a string. Every occurrence of a non-empty `secrets` entry is
// replaced with "<secret>" before control characters are replaced and the
// result is cut to `max_len` bytes (an ellipsis marks the cut), so a cut never
// leaves part of a secret behind and the result is safe to log.
std::string ErrorBodyMessage(
    const PaddedBody& body, size_t max_len = 200,
    std::initializer_list<std::string_view> secrets = {});

// Replaces every occurrence of `secret` in `text` with "<secret>". A server
// that echoes a credential must not put it into our logs.
std::string Scrub(std::string text, std::string_view secret);

// The value of a Retry-After header in seconds: delta-seconds ("5") or an
// HTTP date relative to `now` (never negative). -1 when unparsable. Capped
// at one day so a hostile value cannot park a client forever.
double ParseRetryAfter(std::string_view value, std::time_t now);

// Replaces control characters and cuts to max_len bytes (with "...").
std::string Sanitize(std::string_view text, size_t max_len);

}  // namespace vb365::http
