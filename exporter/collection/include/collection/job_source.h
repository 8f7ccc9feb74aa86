// What a refresh reads from a server: the Client's calls behind a seam, so
// the refresh logic is unit-tested with a fake.
#pragma once

#include <vector>

#include "api/client.h"
#include "collection/resource_source.h"
#include "common/result.h"
#include "config/config.h"
#include "model/types.h"

namespace vb365 {

// Implementations are thread-safe (ListSessions runs on several workers at
// once).
class JobSource {
 public:
  virtual ~JobSource() = default;
  virtual Result<ApiVersion> Version() = 0;
  virtual Result<ServiceInstance> GetServiceInstance() = 0;
  virtual Result<std::vector<Job>> ListJobs() = 0;
  virtual Result<SessionsFetch> ListSessions(const Job& job,
                                             Timestamp lower_bound) = 0;
  // Backup copy jobs (type kCopy); kNotFound: the version has none.
  virtual Result<std::vector<Job>> ListCopyJobs() {
    return Error(ErrorCode::kNotFound, "no copy jobs");
  }
  // Every job's sessions of one type since lower_bound in one read (v7/v8,
  // later refreshes); kNotFound: not available, read each job instead.
  virtual Result<SessionsFetch> ListRecentSessions(JobType, Timestamp) {
    return Error(ErrorCode::kNotFound, "no bulk session read");
  }
  // The job's running sessions, unbounded (v8; empty before).
  virtual Result<SessionsFetch> ListRunningSessions(const Job&) {
    return SessionsFetch{};
  }
  virtual void ResetVersion() = 0;
  // The same server's resources beyond jobs (issue 9); nullptr: none are
  // collected (test sources that only know jobs).
  virtual ResourceSource* Resources() { return nullptr; }
};

// The production JobSource: forwards to a Client (not owned).
class ClientJobSource : public JobSource {
 public:
  explicit ClientJobSource(Client* client)
      : client_(client), resources_(client) {}
  Result<ApiVersion> Version() override { return client_->Version(); }
  Result<ServiceInstance> GetServiceInstance() override {
    return client_->GetServiceInstance();
  }
  Result<std::vector<Job>> ListJobs() override { return client_->ListJobs(); }
  Result<std::vector<Job>> ListCopyJobs() override {
    return client_->ListCopyJobs();
  }
  Result<SessionsFetch> ListRecentSessions(JobType type,
                                           Timestamp lower_bound) override {
    return client_->ListRecentSessions(type, lower_bound);
  }
  Result<SessionsFetch> ListRunningSessions(const Job& job) override {
    return client_->ListRunningSessions(job);
  }
  Result<SessionsFetch> ListSessions(const Job& job,
                                     Timestamp lower_bound) override {
    return client_->ListSessions(job, lower_bound);
  }
  void ResetVersion() override { client_->ResetVersion(); }
  ResourceSource* Resources() override { return &resources_; }

 private:
  Client* client_;
  ClientResourceSource resources_;
};

}  // namespace vb365
