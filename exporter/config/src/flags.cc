#include "config/flags.h"

#include <chrono>
#include <functional>
#include <optional>

#include "config/config.h"

namespace vb365 {
namespace {

struct FlagSpec {
  const char* name;         // without the leading "--"
  const char* placeholder;  // nullptr for boolean flags
  const char* default_text;
  const char* help;
};

const FlagSpec kFlags[] = {
    {"config.file", "<path>", "vb365_exporter.yml",
     "Path to the configuration file."},
    {"config.check", nullptr, "false",
     "Validate the configuration file and exit with 0 (valid) or 1; a "
     "server with tls.server_certificate_sha256 gets one TLS handshake to "
     "check the pin."},
    {"print-certificate", "<url>", "",
     "Print the TLS certificate https://host:port presents (subject, issuer, "
     "validity, SHA-256 fingerprint) and exit. Needs no config; sends "
     "nothing but the TLS handshake."},
    {"web.listen-address", "<address>", ":9865",
     "Address to listen on for the web interface and telemetry."},
    {"web.telemetry-path", "<path>", "/metrics",
     "Path under which to expose metrics."},
    {"web.config.file", "<path>", "",
     "Path to a web configuration file (TLS and basic auth, exporter-toolkit "
     "format)."},
    {"storage.state-file", "<path>", "",
     "File that keeps what the session counters have counted, so sessions "
     "that finish while the exporter is down are counted once after a "
     "restart; empty: none (counters start at a baseline on every start)."},
    {"web.enable-lifecycle", nullptr, "false",
     "Enable the reload endpoint (POST /-/reload); SIGHUP reloads either "
     "way."},
    {"servers.shard", "<I/N>", "0/1",
     "Watch only the servers whose name hashes (FNV-1a 64 mod N) to I "
     "(0-based): replica I of N."},
    {"web.max-connections", "<n>", "256",
     "Most connections the HTTP server holds at once; further ones wait in "
     "the listen queue until one closes."},
    {"web.max-connections-per-client", "<n>", "64",
     "Most connections from one client address; further ones are closed at "
     "once."},
    {"web.idle-timeout", "<duration>", "60s",
     "Close a connection that sent or received nothing for this long (whole "
     "seconds)."},
    {"web.read-header-timeout", "<duration>", "5s",
     "Close a connection whose request header (and TLS handshake) is not "
     "complete this long after it opened, or after the idle timeout on a "
     "kept-alive connection."},
    {"log.level", "<level>", "info",
     "Only log messages with the given severity or above: debug, info, warn, "
     "error."},
    {"log.format", "<format>", "logfmt",
     "Output format of log messages: logfmt or json."},
    {"version", nullptr, "false", "Show the version and exit."},
    {"help", nullptr, "false", "Show this help and exit."},
};

const FlagSpec* FindFlag(const std::string& name) {
  for (const FlagSpec& spec : kFlags) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

std::optional<bool> ParseBool(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

// A whole number 1..100000 (connection limits).
std::optional<int> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int n = std::stoi(text);
  if (n < 1 || n > 100000) return std::nullopt;
  return n;
}

// Applies one flag; returns an error reason or "" on success.
std::string Apply(Flags* flags, const std::string& name,
                  const std::string& value) {
  if (name == "config.file") {
    if (value.empty()) return "must not be empty";
    flags->config_file = value;
  } else if (name == "web.listen-address") {
    std::string host;
    int port;
    if (!SplitListenAddress(value, &host, &port)) {
      return "invalid address \"" + value + "\" (want host:port or :port)";
    }
    flags->listen_address = value;
  } else if (name == "web.telemetry-path") {
    if (value.empty() || value[0] != '/') return "must start with /";
    if (value == "/") return "must not be / (the landing page)";
    flags->telemetry_path = value;
  } else if (name == "print-certificate") {
    if (value.compare(0, 8, "https://") != 0 || value.size() == 8) {
      return "must be an https:// URL";  // not echoed: it may hold anything
    }
    flags->print_certificate = value;
  } else if (name == "web.config.file") {
    flags->web_config_file = value;
  } else if (name == "storage.state-file") {
    if (!value.empty() && value.back() == '/') return "must name a file";
    flags->state_file = value;
  } else if (name == "servers.shard") {
    Result<ServerShard> shard = ParseServerShard(value);
    if (!shard.ok()) return shard.error().message();
    flags->shard = *shard;
  } else if (name == "web.max-connections" ||
             name == "web.max-connections-per-client") {
    const std::optional<int> n = ParseCount(value);
    if (!n) return "invalid value \"" + value + "\" (want 1 to 100000)";
    (name == "web.max-connections" ? flags->max_connections
                                   : flags->max_connections_per_client) = *n;
  } else if (name == "web.idle-timeout") {
    const auto d = ParseDuration(value);
    if (!d || *d < std::chrono::seconds(1) || *d > std::chrono::hours(24)) {
      return "invalid duration \"" + value + "\" (want 1s to 24h)";
    }
    flags->idle_timeout = *d;
  } else if (name == "web.read-header-timeout") {
    const auto d = ParseDuration(value);
    if (!d || *d < std::chrono::milliseconds(100) ||
        *d > std::chrono::hours(1)) {
      return "invalid duration \"" + value + "\" (want 100ms to 1h)";
    }
    flags->read_header_timeout = *d;
  } else if (name == "log.level") {
    if (!ParseLogLevel(value, &flags->log_level)) {
      return "invalid value \"" + value +
             "\" (want debug, info, warn or error)";
    }
  } else if (name == "log.format") {
    if (!ParseLogFormat(value, &flags->log_format)) {
      return "invalid value \"" + value + "\" (want logfmt or json)";
    }
  } else {
    const auto b = ParseBool(value);
    if (!b) return "invalid value \"" + value + "\" (want true or false)";
    if (name == "config.check") flags->config_check = *b;
    if (name == "web.enable-lifecycle") flags->enable_lifecycle = *b;
    if (name == "version") flags->version = *b;
    if (name == "help") flags->help = *b;
  }
  return "";
}

}  // namespace

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      // Values are not echoed: a mistyped argument may hold anything.
      return Error{ErrorCode::kConfig, "unexpected argument at position " +
                                           std::to_string(i + 1) +
                                           "; flags start with --"};
    }
    const size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::optional<std::string> value;
    if (eq != std::string::npos) value = arg.substr(eq + 1);

    const FlagSpec* spec = FindFlag(name);
    if (spec == nullptr && !value && name.compare(0, 3, "no-") == 0) {
      // Kingpin's negation: --no-config.check.
      const FlagSpec* negated = FindFlag(name.substr(3));
      if (negated != nullptr && negated->placeholder == nullptr) {
        spec = negated;
        name = negated->name;
        value = "false";
      }
    }
    if (spec == nullptr)
      return Error{ErrorCode::kConfig, "unknown flag --" + name};
    if (!value) {
      if (spec->placeholder == nullptr) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{ErrorCode::kConfig, "flag --" + name + " needs a value"};
      }
    }
    const std::string reason = Apply(&flags, name, *value);
    if (!reason.empty())
      return Error{ErrorCode::kConfig, "flag --" + name + ": " + reason};
  }
  return flags;
}

Result<Flags> ParseFlags(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return ParseFlags(args);
}

std::string HelpText(const std::string& program) {
  std::string out =
      "usage: " + program + " [<flags>]\n\n" +
      "Prometheus exporter for Veeam Backup for Microsoft 365.\n\n" +
      "Flags:\n";
  for (const FlagSpec& spec : kFlags) {
    std::string left = "  ";
    if (std::string(spec.name) == "help") left = "  -h, ";
    left += "--" + std::string(spec.name);
    if (spec.placeholder != nullptr)
      left += "=" + std::string(spec.placeholder);
    if (left.size() < 34)
      left.resize(34, ' ');
    else
      left += "\n" + std::string(34, ' ');
    out += left + spec.help;
    if (spec.placeholder != nullptr) {
      out += std::string(" (default: \"") + spec.default_text + "\")";
    } else {
      out += std::string(" (default: ") + spec.default_text + ")";
    }
    out += "\n";
  }
  return out;
}

bool SplitListenAddress(const std::string& address, std::string* host,
                        int* port) {
  std::string h, p;
  if (!address.empty() && address[0] == '[') {
    const size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return false;
    }
    h = address.substr(1, close - 1);
    if (h.empty()) return false;
    p = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    h = address.substr(0, colon);
    if (h.find(':') != std::string::npos) return false;  // bare IPv6
    p = address.substr(colon + 1);
  }
  if (p.empty() || p.size() > 5) return false;
  int value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  for (char c : h) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '/') return false;
  }
  *host = h;
  *port = value;
  return true;
}

}  // namespace vb365
