// What the resource collectors read from a server (issue 9): the Client's
// resource calls behind a seam, like JobSource for jobs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/client.h"
#include "common/result.h"
#include "model/resources.h"

namespace vb365 {

// Called from the refresher's thread only. A resource the server's API
// version does not have answers an Error with code kNotFound.
class ResourceSource {
 public:
  virtual ~ResourceSource() = default;
  virtual Result<License> GetLicense() = 0;
  virtual Result<std::vector<Repository>> ListRepositories() = 0;
  virtual Result<std::vector<Proxy>> ListProxies() = 0;
  virtual Result<std::vector<Organization>> ListOrganizations() = 0;
  virtual Result<std::vector<OrganizationSync>> ListSyncStates(
      const std::vector<Organization>& organizations) = 0;
  virtual Result<std::map<std::string, UserCounts>> CountLicensedUsers() = 0;
  virtual Result<Health> GetHealth() = 0;
  virtual Result<std::vector<RestoreSession>> ListRestoreSessions(
      Timestamp started_from, Timestamp ended_from) = 0;
};

// The production ResourceSource: forwards to a Client (not owned).
class ClientResourceSource : public ResourceSource {
 public:
  explicit ClientResourceSource(Client* client) : client_(client) {}
  Result<License> GetLicense() override { return client_->GetLicense(); }
  Result<std::vector<Repository>> ListRepositories() override {
    return client_->ListRepositories();
  }
  Result<std::vector<Proxy>> ListProxies() override {
    return client_->ListProxies();
  }
  Result<std::vector<Organization>> ListOrganizations() override {
    return client_->ListOrganizations();
  }
  Result<std::vector<OrganizationSync>> ListSyncStates(
      const std::vector<Organization>& organizations) override {
    return client_->ListSyncStates(organizations);
  }
  Result<std::map<std::string, UserCounts>> CountLicensedUsers() override {
    return client_->CountLicensedUsers();
  }
  Result<Health> GetHealth() override { return client_->GetHealth(); }
  Result<std::vector<RestoreSession>> ListRestoreSessions(
      Timestamp started_from, Timestamp ended_from) override {
    return client_->ListRestoreSessions(started_from, ended_from);
  }

 private:
  Client* client_;
};

}  // namespace vb365
