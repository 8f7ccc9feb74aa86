// Logging: one line per call, written whole under a mutex.
#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "common/utf8.h"

namespace vb365 {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kLogfmt};
std::mutex g_mu;
std::string* g_sink = nullptr;  // guarded by g_mu

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

// RFC 3339 UTC with milliseconds: 2026-11-29T15:30:00.123Z.
std::string Timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

void AppendHexEscape(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\u00");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xf]);
}

// Escapes for a double-quoted string; shared by JSON and quoted logfmt.
void AppendEscaped(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          AppendHexEscape(out, c);
        } else if (c >= 0x80) {
          // Invalid bytes become U+FFFD so the output is always valid UTF-8.
          uint32_t cp;
          const size_t n = DecodeUtf8(s, i, &cp);
          if (n == 0) {
            out->append("\\ufffd");
          } else {
            out->append(s.substr(i, n));
            i += n;
            continue;
          }
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendEscaped(out, s);
  out->push_back('"');
}

bool LogfmtNeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f ||
        c >= 0x80) {
      return true;
    }
  }
  return false;
}

void AppendLogfmtValue(std::string* out, std::string_view s) {
  if (!LogfmtNeedsQuotes(s)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  AppendEscaped(out, s);
  out->push_back('"');
}

// Keys come from code, but a key with a space or '=' would break parsing of
// the line, so such characters become '_'.
void AppendLogfmtKey(std::string* out, std::string_view key) {
  if (key.empty()) {
    out->push_back('_');
    return;
  }
  for (char ch : key) {
    const unsigned char c = static_cast<unsigned char>(ch);
    out->push_back((c <= ' ' || c == '=' || c == '"' || c == 0x7f) ? '_' : ch);
  }
}

std::string FormatLine(LogFormat format, LogLevel level, std::string_view msg,
                       std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(64 + msg.size());
  const std::string ts = Timestamp();
  if (format == LogFormat::kJson) {
    line.append("{\"ts\":");
    AppendJsonString(&line, ts);
    line.append(",\"level\":");
    AppendJsonString(&line, LevelName(level));
    line.append(",\"msg\":");
    AppendJsonString(&line, msg);
    for (const auto& [key, value] : fields) {
      line.push_back(',');
      AppendJsonString(&line, key);
      line.push_back(':');
      AppendJsonString(&line, value);
    }
    line.append("}\n");
  } else {
    line.append("ts=").append(ts);
    line.append(" level=").append(LevelName(level));
    line.append(" msg=");
    // msg is always quoted, as in the Prometheus exporters' logs.
    line.push_back('"');
    AppendEscaped(&line, msg);
    line.push_back('"');
    for (const auto& [key, value] : fields) {
      line.push_back(' ');
      AppendLogfmtKey(&line, key);
      line.push_back('=');
      AppendLogfmtValue(&line, value);
    }
    line.push_back('\n');
  }
  return line;
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  if (text == "debug") {
    *out = LogLevel::kDebug;
  } else if (text == "info") {
    *out = LogLevel::kInfo;
  } else if (text == "warn") {
    *out = LogLevel::kWarn;
  } else if (text == "error") {
    *out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "logfmt") {
    *out = LogFormat::kLogfmt;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void SetLogLevel(LogLevel level) { g_level.store(level); }
void SetLogFormat(LogFormat format) { g_format.store(format); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(g_level.load());
}

void Log(LogLevel level, std::string_view msg,
         std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  const std::string line = FormatLine(g_format.load(), level, msg, fields);
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sink != nullptr) {
    g_sink->append(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void SetLogSinkForTesting(std::string* sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = sink;
}

}  // namespace vb365
