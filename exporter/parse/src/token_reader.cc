// POST /Token: the tokens and their lifetime (the rest is ignored).
#include "document.h"
#include "parse/parser.h"

namespace vb365 {
namespace parse_internal {
namespace {

constexpr auto kToken = Object<TokenResponse>(
    nullptr, Required("access_token", String<&TokenResponse::access_token>()),
    Field("refresh_token", StringOrEmpty<&TokenResponse::refresh_token>()),
    Required("expires_in",
             As(
                 kExpectedInteger, VB365_READ_INTO(TokenResponse) {
                   return w.Int(&out->expires_in_seconds) == Read::kValue;
                 })));

}  // namespace
}  // namespace parse_internal

Result<TokenResponse> Parser::ParseToken(const PaddedBody& body) {
  return impl_->Object<parse_internal::kToken, TokenResponse>(body);
}

}  // namespace vb365
