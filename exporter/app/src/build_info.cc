#include "build_info.h"

#ifndef VB365_VERSION
#define VB365_VERSION "unknown"
#endif
#ifndef VB365_REVISION
#define VB365_REVISION "unknown"
#endif

namespace vb365 {

const char* ExporterVersion() { return VB365_VERSION; }
const char* ExporterRevision() { return VB365_REVISION; }

}  // namespace vb365
