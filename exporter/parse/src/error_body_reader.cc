// The body of an API error response: OAuth's {"error","error_description"}
// (the token endpoint) or {"message"} (v6+; "Message" on some servers).
// Every member is optional and a member that is not a string is skipped: an
// error body is read for a log line, never rejected for its types.
#include <optional>
#include <string>
#include <string_view>

#include "document.h"
#include "parse/parser.h"

namespace vb365 {
namespace parse_internal {
namespace {

struct ErrorBodyBuilder : ApiErrorBody {
  bool has_lowercase_message = false;
};

// A string into *out, or any other value skipped.
bool StringOrSkip(Walker& w, std::optional<std::string>* out, Fail* f) {
  std::string_view text;
  if (w.Peek() == '"' && w.String(&text) == Read::kValue) {
    out->emplace(text);
    return true;
  }
  return w.Skip(nullptr, f);
}

constexpr auto kErrorBody = Object<ErrorBodyBuilder>(
    nullptr,
    Field("error", As(
                       kExpectedString,
                       VB365_READ_INTO(ErrorBodyBuilder) {
                         return StringOrSkip(w, &out->error, f);
                       })),
    Field("error_description", As(
                                   kExpectedString,
                                   VB365_READ_INTO(ErrorBodyBuilder) {
                                     return StringOrSkip(
                                         w, &out->error_description, f);
                                   })),
    Field("message", As(
                         kExpectedString,
                         VB365_READ_INTO(ErrorBodyBuilder) {
                           out->has_lowercase_message = true;
                           return StringOrSkip(w, &out->message, f);
                         })),
    // "message" wins over "Message", in either order.
    Field("Message", As(
                         kExpectedString, VB365_READ_INTO(ErrorBodyBuilder) {
                           if (out->has_lowercase_message)
                             return w.Skip(nullptr, f);
                           return StringOrSkip(w, &out->message, f);
                         })));

}  // namespace
}  // namespace parse_internal

Result<ApiErrorBody> Parser::ParseErrorBody(const PaddedBody& body) {
  Result<parse_internal::ErrorBodyBuilder> r =
      impl_->Object<parse_internal::kErrorBody,
                    parse_internal::ErrorBodyBuilder>(body);
  if (!r.ok()) return r.error();
  return ApiErrorBody(std::move(*r));
}

}  // namespace vb365
