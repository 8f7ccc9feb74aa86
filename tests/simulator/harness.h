// Starts a real vb365_simulator process for a test: throwaway CA and server
// certificate (gen_certs.sh), a password file, 127.0.0.1:0, waits until it
// listens, and talks to its control endpoint (/_sim/...). The destructor stops
// the process and removes the temporary directory.
//
// The child gets SIGTERM when the thread that created the SimulatorProcess
// ends (PR_SET_PDEATHSIG), so no simulator outlives a crashed test: create it
// on a thread that lives as long as it (the test body, SetUpTestSuite).
//
// Thread safety: one SimulatorProcess may be used from several threads for
// the control and request helpers (each call opens its own connection);
// construction and destruction are not concurrent with other calls.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "resources.h"

namespace vb365::sim {

struct SimulatorConfig {
  std::vector<std::string> versions = {"v3", "v6", "v7", "v8"};
  int jobs = 5;
  int sessions_per_job = 10;
  uint64_t seed = 1;
  // "" = the wall clock at start; an ISO time pins the data (same bytes).
  std::string anchor_time;
  std::string username = "EAST\\svc-monitor";
  // Written to a file and passed with --password-file, never on argv.
  std::string password = "p@ss \"w0rd\" \\ ü";
  int64_t token_lifetime_seconds = 3600;
  int token_rate_limit = 0;             // /Token requests per minute; 0 = off
  double session_interval_seconds = 0;  // 0 = frozen time
  int64_t latency_ms = 0;
  bool plain_http = false;
  // Serve gen_certs.sh's expired.pem (same CA, names and key as server.pem,
  // validity ended a day ago) instead of server.pem.
  bool expired_certificate = false;
  // Job id -> file served verbatim as that job's sessions.
  std::vector<std::pair<std::string, std::string>> fixture_sessions;
  // --fault specs ("kind=drip,endpoint=jobs,ms=20"), active from the start.
  std::vector<std::string> faults;
  // The rest of the server (--repositories, ..., --healthy).
  ResourceCounts resources;
  // false: --running-sessions-in-bounded-reads=false.
  bool running_sessions_in_bounded_reads = true;
  std::vector<std::string> extra_args;  // any other flag, verbatim
  double start_timeout_seconds = 20;
  // The process stops by itself after this long (safety net).
  double exit_after_seconds = 600;
};

// A fault for AddFault(); fields as in docs/simulator.md. Zero/empty fields
// take the simulator's defaults.
struct Fault {
  std::string kind;  // latency, drip, http_error, reset, malformed, ...
  // "" (all), token, service_instance, jobs, job_sessions, license,
  // licensed_users, repositories, proxies, organizations, organization_sync,
  // copy_jobs, restore_sessions, health
  std::string endpoint;
  std::string job_id;  // "" = any job
  int64_t count = -1;  // times it applies; -1 until cleared
  int64_t ms = 0;
  int64_t bytes = 0;
  int status = 0;  // http_error status (0 = 500)
  int every = 0;   // mutations: every Nth session (0 = 1)
};

struct HttpResult {
  int status = 0;  // 0: the request failed (error says why)
  std::string error;
  std::string body;
  std::multimap<std::string, std::string> headers;    // names as sent
  std::string Header(const std::string& name) const;  // case-insensitive
};

// A job as GET /_sim/jobs reports it.
struct SimJob {
  int index = -1;  // generated position; -1 for fixture jobs
  std::string id;
  std::string name;
  bool enabled = true;
  int64_t sessions = 0;
  int64_t running = 0;
  std::string last_finished_status;
  int64_t transferred_data_bytes = 0;
};

class SimulatorProcess {
 public:
  // Starts the process; throws std::runtime_error (with the simulator's
  // stderr) if it does not come up within start_timeout_seconds.
  explicit SimulatorProcess(SimulatorConfig config = {});
  ~SimulatorProcess();
  SimulatorProcess(const SimulatorProcess&) = delete;
  SimulatorProcess& operator=(const SimulatorProcess&) = delete;

  int port() const { return port_; }
  std::string base_url() const;  // "https://127.0.0.1:PORT" (no trailing /)
  const std::string& ca_file() const { return ca_file_; }
  const std::string& cert_file() const { return cert_file_; }  // served
  const std::string& key_file() const { return key_file_; }
  const std::string& username() const { return config_.username; }
  const std::string& password() const { return config_.password; }
  const std::string& password_file() const { return password_file_; }
  const std::string& dir() const { return dir_; }  // the temporary directory
  const SimulatorConfig& config() const { return config_; }
  pid_t pid() const { return pid_; }
  // Everything the process wrote to stderr so far.
  std::string Stderr() const;

  // Plain requests over HTTPS (verified with ca_file(), unless the
  // certificate is the expired one). path includes the
  // query. Bearer token added when non-empty.
  HttpResult Get(const std::string& path, const std::string& token = "") const;
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& content_type,
                  const std::string& token = "") const;
  // POST /vN/Token with the password grant (v7+ adds
  // disable_antiforgery_token=true); returns the access token or throws.
  std::string Login(int version = 8) const;

  // Control endpoint. Each throws std::runtime_error on a non-2xx answer.
  std::string StatsJson() const;
  // A counter from /_sim/stats by dotted path, e.g. "logins",
  // "requests.job_sessions", "response_bytes.total",
  // "job_sessions_by_job.<job id lower case>". Missing -> 0.
  int64_t Stat(const std::string& dotted_path) const;
  void ResetStats() const;
  std::vector<SimJob> Jobs() const;
  std::string JobId(int index) const;          // id of generated job `index`
  int64_t AddFault(const Fault& fault) const;  // returns the fault id
  void ClearFaults() const;
  // Adds the next generated backup job (with its history); returns its id.
  std::string AddJob() const;
  void DeleteJob(const std::string& job_id) const;
  // Adds a finished session (now - duration .. now); returns its JSON (v8).
  std::string AddSession(const std::string& job_id, const std::string& status,
                         int64_t duration_seconds = 60) const;
  std::string StartSession(const std::string& job_id) const;  // Running
  // Finishes running sessions (of one job if job_id non-empty); returns count.
  int64_t FinishRunning(const std::string& job_id = "",
                        const std::string& status = "Success") const;
  void ExpireAllTokens(bool refresh_tokens_too = false) const;
  void Reset() const;  // data, tokens, faults, counters as at start
  // Any control call: returns the answer without throwing.
  HttpResult Control(const std::string& method, const std::string& path,
                     const std::string& body = "") const;

  // Stops the process now (SIGTERM, then SIGKILL); idempotent.
  void Stop();

 private:
  SimulatorConfig config_;
  std::string dir_;
  std::string ca_file_, cert_file_, key_file_, password_file_, stderr_file_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// fork + exec of args (args[0] a path) with the child bound to our life (it
// gets death_signal when this process dies) and an empty signal mask;
// stdout and stderr appended to `log` ("" = inherit). Throws
// std::runtime_error when fork fails. For tests and benchmarks that run the
// simulator or the exporter as a process.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log,
            int death_signal = SIGTERM);

// The generator options and the rest of the server a simulator started with
// `config` serves: the tests' oracle, computed here, not read from it. Throws
// std::invalid_argument when config.anchor_time is empty (the data would
// depend on the simulator's start time) or not a time.
GenOptions GenOptionsFor(const SimulatorConfig& config);
Resources ExpectedResources(const SimulatorConfig& config);

// Where the binaries and scripts are (compile-time paths).
std::string SimulatorBinaryPath();
std::string GenCertsScriptPath();

}  // namespace vb365::sim
