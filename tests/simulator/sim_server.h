// The VB365 REST API simulator as a library: options, faults and the server.
// main (simulator_main.cc) only parses flags into SimulatorOptions and runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datagen.h"
#include "resources.h"

namespace vb365::sim {

// One fault, from a --fault flag or POST /_sim/faults. It applies to the API
// requests whose endpoint and job match; `remaining` counts how many more
// times (-1: until cleared).
struct FaultSpec {
  // latency, drip, http_error (alias error500), html_error, reset, malformed,
  // truncated, numbers_as_strings, nulls, missing_fields, unknown_enums, huge,
  // not_found, down, page_overlap, page_loop, delete_job (job_sessions of
  // one job_id: the first such read deletes the job, then answers 404).
  std::string kind;
  // "" (every API endpoint), token, service_instance, jobs, job_sessions
  // (backup and copy sessions), license, licensed_users, repositories,
  // proxies, organizations, organization_sync, copy_jobs, restore_sessions,
  // health.
  std::string endpoint;
  std::string job_id;  // "" = any job; only job_sessions requests carry one
                       // (a backup or a copy job's id)
  int64_t remaining = -1;
  int64_t ms = 0;     // latency: delay; drip: pause between chunks
  int64_t bytes = 0;  // drip: chunk size; huge: body size
  int status = 500;   // http_error
  int every = 1;      // mutations: every Nth session
  // http_error, html_error: a Retry-After header (seconds); -1: none.
  int64_t retry_after = -1;
  // page_overlap, page_loop: elements per page (0: 5).
  int64_t page_size = 0;
  int64_t id = 0;  // assigned when added
};

// Parses "kind=drip,endpoint=jobs,ms=50" (the --fault flag) or a JSON object
// (POST /_sim/faults). Returns an error text, empty on success.
std::string ParseFaultFlag(const std::string& text, FaultSpec* out);
std::string ParseFaultJson(const std::string& json,
                           std::vector<FaultSpec>* out);
std::string FaultToJson(const FaultSpec& f);

struct SimulatorOptions {
  std::string host = "127.0.0.1";
  int port = 4443;
  std::string ready_file;
  std::string tls_cert;
  std::string tls_key;
  bool plain_http = false;
  std::vector<int> versions = {3, 6, 7, 8};
  GenOptions gen;
  ResourceCounts resources;
  // /JobSessions?endTimeLowerBound= (and /RestoreSessions?endTimeFrom=) also
  // return sessions that have no end time yet; false leaves them out (the
  // documents do not say which a real server does).
  bool running_sessions_in_bounded_reads = true;
  bool anchor_from_clock = true;  // false when --anchor-time was given
  std::string username = "VB365\\monitor";
  std::string password;  // read from --password-file
  int64_t token_lifetime_seconds = 3600;
  int64_t refresh_lifetime_seconds = 14 * 24 * 3600;
  int token_rate_limit = 0;  // per minute; 0 = unlimited
  double session_interval_seconds = 0;
  // Job id -> fixed body served for that job's sessions.
  std::vector<std::pair<std::string, std::string>> fixture_bodies;
  std::vector<std::string> fixture_names;
  // Generated job index -> the name it gets instead (--job-name).
  std::vector<std::pair<int, std::string>> job_names;
  int64_t latency_ms = 0;
  std::vector<FaultSpec> faults;
  double exit_after_seconds = 0;  // 0 = run until SIGTERM/SIGINT
  int threads = 32;
  // More listeners on the same host (any free port each): the same data,
  // tokens and counters, so one process stands for several servers; logins
  // are also counted per listening port (/_sim/stats logins_by_port).
  int extra_listeners = 0;
  bool quiet = false;
};

// Refuses anything but 127.0.0.0/8 and ::1 ("localhost" maps to 127.0.0.1).
bool IsLoopbackHost(const std::string& host);

class SimulatorImpl;

// Owns the listener, the data, the tokens and the counters. Run() blocks
// until Stop() (thread-safe, also from a signal thread).
class Simulator {
 public:
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds, writes the ready file, serves. Returns a process exit code.
  int Run();
  void Stop();

 private:
  std::unique_ptr<SimulatorImpl> impl_;
};

}  // namespace vb365::sim
