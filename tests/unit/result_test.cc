// Result and Error: the code survives passing an error up, with or without
// context; context prefixes the message; names and printing.
#include "common/result.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace vb365 {
namespace {

Result<int> FailWith(ErrorCode code, std::string message) {
  return Error(code, std::move(message));
}

// The two ways a caller hands an error up.
Result<std::string> PassUp(const Result<int>& r) {
  if (!r.ok()) return r.error();
  return std::to_string(*r);
}
Result<std::string> PassUpWithContext(const Result<int>& r) {
  if (!r.ok()) return r.error().Context("reading jobs of east");
  return std::to_string(*r);
}

TEST(ResultTest, AValueIsOkAndAnErrorIsNot) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = FailWith(ErrorCode::kThrottled, "HTTP 429");
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().code(), ErrorCode::kThrottled);
  EXPECT_EQ(bad.error().message(), "HTTP 429");
}

TEST(ResultTest, PassingAnErrorUpKeepsItsCodeAndMessage) {
  Result<std::string> up =
      PassUp(FailWith(ErrorCode::kNotFound, "not found: GET /Jobs/x"));
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(up.error().message(), "not found: GET /Jobs/x");
  EXPECT_EQ(*PassUp(5), "5");
}

TEST(ResultTest, ContextPrefixesTheMessageAndKeepsTheCode) {
  for (ErrorCode code : {ErrorCode::kMalformed, ErrorCode::kUnauthorized}) {
    Result<std::string> up = PassUpWithContext(FailWith(code, "bad body"));
    ASSERT_FALSE(up.ok());
    EXPECT_EQ(up.error().code(), code);
    EXPECT_EQ(up.error().message(), "reading jobs of east: bad body");
  }
}

TEST(ResultTest, ContextOnAnLvalueLeavesTheOriginalAlone) {
  const Error inner(ErrorCode::kTransport, "curl error 7");
  Error outer = inner.Context("a").Context("b");
  EXPECT_EQ(outer.message(), "b: a: curl error 7");
  EXPECT_EQ(outer.code(), ErrorCode::kTransport);
  EXPECT_EQ(inner.message(), "curl error 7");
}

TEST(ResultTest, AnErrorCanBeMovedOutOfATemporaryResult) {
  Error e = FailWith(ErrorCode::kTooLarge, "over 1 GiB").error();
  EXPECT_EQ(e.code(), ErrorCode::kTooLarge);
  EXPECT_EQ(e.message(), "over 1 GiB");
}

TEST(ResultTest, EveryCodeHasItsOwnName) {
  const ErrorCode all[] = {ErrorCode::kInternal,
                           ErrorCode::kConfig,
                           ErrorCode::kIo,
                           ErrorCode::kTransport,
                           ErrorCode::kTooLarge,
                           ErrorCode::kNotFound,
                           ErrorCode::kUnauthorized,
                           ErrorCode::kThrottled,
                           ErrorCode::kHttpStatus,
                           ErrorCode::kMalformed,
                           ErrorCode::kCertificatePinMismatch};
  std::set<std::string_view> names;
  for (ErrorCode c : all) names.insert(ErrorCodeName(c));
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMalformed), "malformed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kCertificatePinMismatch),
            "certificate_pin_mismatch");
}

TEST(ResultTest, PrintingAnErrorShowsItsCodeAndMessage) {
  std::ostringstream out;
  out << Error(ErrorCode::kUnauthorized, "HTTP 401 again");
  EXPECT_EQ(out.str(), "unauthorized: HTTP 401 again");
}

}  // namespace
}  // namespace vb365
