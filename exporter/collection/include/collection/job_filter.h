// A server's jobs.include / jobs.exclude applied to the listed jobs.
#pragma once

#include <string>

#include "config/config.h"

namespace vb365 {

// A job is kept when its name fully matches an include regex (or there are
// none) and no exclude regex. The regexes were compiled with the config.
bool KeepJob(const JobFilter& filter, const std::string& name);

}  // namespace vb365
