// Command-line flags in the Prometheus convention (--config.file,
// --web.listen-address, ...). Parsing is a pure function: it never prints
// and never exits, so main decides what --help and errors do.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "config/shard.h"

namespace vb365 {

struct Flags {
  std::string config_file = "vb365_exporter.yml";
  bool config_check = false;  // validate the config and exit 0/1
  std::string listen_address = ":9865";
  std::string telemetry_path = "/metrics";
  std::string web_config_file;  // empty: plain HTTP, no auth
  // Where the session counters' state survives restarts; empty: none (each
  // start is a baseline).
  std::string state_file;
  // POST /-/reload (and future lifecycle endpoints) answer only when set.
  bool enable_lifecycle = false;
  ServerShard shard;  // --servers.shard=I/N; default 0/1: every server
  // Connections the HTTP server holds at once, and from one client address;
  // how long a kept-alive connection may idle, and how long a client has to
  // send a request's header (docs/configuration.md: the HTTP server).
  int max_connections = 256;
  int max_connections_per_client = 64;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds read_header_timeout{std::chrono::seconds(5)};
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kLogfmt;
  // --print-certificate: print what this https:// URL presents and exit.
  std::string print_certificate;
  bool version = false;  // print the version and exit
  bool help = false;     // print HelpText() and exit
};

// `args` are the arguments after the program name. Accepts `--flag=value`
// and `--flag value`; boolean flags also take `--flag=true|false`. The last
// occurrence of a flag wins. Unknown flags, stray arguments, missing or bad
// values give an Error naming the flag.
Result<Flags> ParseFlags(const std::vector<std::string>& args);
Result<Flags> ParseFlags(int argc, const char* const* argv);

// Usage text listing every flag with its default.
std::string HelpText(const std::string& program);

// Splits "host:port", ":port" or "[v6]:port" (host without brackets; empty
// means every address). False when malformed or the port is not 0..65535.
bool SplitListenAddress(const std::string& address, std::string* host,
                        int* port);

}  // namespace vb365
