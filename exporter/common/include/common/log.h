// Structured logging to stderr in logfmt or JSON (--log.format), filtered by
// --log.level. Thread-safe: each line is written whole.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace vb365 {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kLogfmt, kJson };

// "debug", "info", "warn", "error" / "logfmt", "json"; false when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
bool ParseLogFormat(std::string_view text, LogFormat* out);
void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
bool LogEnabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string_view>;

// ts=... level=... msg=... key=value ...; values are quoted and escaped as
// the format needs. Callers never pass a secret.
void Log(LogLevel level, std::string_view msg,
         std::initializer_list<LogField> fields = {});

// Redirects output (tests); nullptr restores stderr.
void SetLogSinkForTesting(std::string* sink);

}  // namespace vb365
