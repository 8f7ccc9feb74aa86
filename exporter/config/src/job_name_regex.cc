// jobs.include / jobs.exclude regexes: compiled once, at config load.
#include <regex>
#include <string>

#include "config/config.h"

namespace vb365 {
namespace {

std::string RegexErrorReason(const std::regex_error& e) {
  switch (e.code()) {
    case std::regex_constants::error_collate:
      return "invalid collating element";
    case std::regex_constants::error_ctype:
      return "invalid character class";
    case std::regex_constants::error_escape:
      return "invalid escape";
    case std::regex_constants::error_backref:
      return "invalid back reference";
    case std::regex_constants::error_brack:
      return "unbalanced [ ]";
    case std::regex_constants::error_paren:
      return "unbalanced ( )";
    case std::regex_constants::error_brace:
      return "unbalanced { }";
    case std::regex_constants::error_badbrace:
      return "invalid range in { }";
    case std::regex_constants::error_range:
      return "invalid character range";
    case std::regex_constants::error_space:
    case std::regex_constants::error_stack:
    case std::regex_constants::error_complexity:
      return "too complex";
    case std::regex_constants::error_badrepeat:
      return "repeat without an operand";
    default:
      return "malformed";
  }
}

}  // namespace

Result<JobNameRegex> JobNameRegex::Compile(const std::string& text) {
  try {
    return JobNameRegex(
        text, std::make_shared<const std::regex>(text, std::regex::ECMAScript));
  } catch (const std::regex_error& e) {
    return Error{ErrorCode::kConfig, RegexErrorReason(e)};
  }
}

bool JobNameRegex::FullMatch(const std::string& name) const {
  return std::regex_match(name, *regex_);
}

}  // namespace vb365
