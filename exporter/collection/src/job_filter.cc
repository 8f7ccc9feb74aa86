#include "collection/job_filter.h"

#include <algorithm>

namespace vb365 {

bool KeepJob(const JobFilter& filter, const std::string& name) {
  auto matches = [&](const JobNameRegex& r) { return r.FullMatch(name); };
  if (!filter.include.empty() &&
      std::none_of(filter.include.begin(), filter.include.end(), matches)) {
    return false;
  }
  return std::none_of(filter.exclude.begin(), filter.exclude.end(), matches);
}

}  // namespace vb365
