#include "model/resources.h"

namespace vb365 {
namespace {

// The index of `text` in `names`, or `names.size()` (kUnknown, which is
// last in every enum here).
template <size_t N>
size_t Find(const std::array<std::string_view, N>& names,
            std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return i;
  }
  return N;
}

constexpr std::array<std::string_view, 2> kLicenseStatus = {"Valid", "Expired"};
constexpr std::array<std::string_view, 2> kProxyStatus = {"Online", "Offline"};
constexpr std::array<std::string_view, 3> kMaintenance = {
    "Disabled", "Enabling", "Enabled"};
constexpr std::array<std::string_view, 2> kSyncResult = {"Success", "Error"};
constexpr std::array<std::string_view, 4> kLicenseState = {
    "Licensed", "New", "TemporarilyAssigned", "Exceeded"};
constexpr std::array<std::string_view, 2> kHealth = {"Healthy", "Unhealthy"};

template <size_t N>
std::string_view Name(const std::array<std::string_view, N>& names, size_t i) {
  return i < N ? names[i] : std::string_view("Unknown");
}

}  // namespace

LicenseStatus ParseLicenseStatus(std::string_view text) {
  return static_cast<LicenseStatus>(Find(kLicenseStatus, text));
}
std::string_view LicenseStatusName(LicenseStatus s) {
  return Name(kLicenseStatus, static_cast<size_t>(s));
}
ProxyStatus ParseProxyStatus(std::string_view text) {
  return static_cast<ProxyStatus>(Find(kProxyStatus, text));
}
MaintenanceState ParseMaintenanceState(std::string_view text) {
  return static_cast<MaintenanceState>(Find(kMaintenance, text));
}
std::string_view MaintenanceStateName(MaintenanceState s) {
  return Name(kMaintenance, static_cast<size_t>(s));
}
SyncResult ParseSyncResult(std::string_view text) {
  return static_cast<SyncResult>(Find(kSyncResult, text));
}
std::string_view SyncResultName(SyncResult r) {
  return Name(kSyncResult, static_cast<size_t>(r));
}
LicenseState ParseLicenseState(std::string_view text) {
  return static_cast<LicenseState>(Find(kLicenseState, text));
}
std::string_view LicenseStateName(LicenseState s) {
  return Name(kLicenseState, static_cast<size_t>(s));
}
HealthStatus ParseHealthStatus(std::string_view text) {
  return static_cast<HealthStatus>(Find(kHealth, text));
}

}  // namespace vb365
