// The exporter's version (PROJECT_VERSION) and git revision, fixed at build
// time (compile definitions on build_info.cc only, so a new commit rebuilds
// one file).
#pragma once

namespace vb365 {

const char* ExporterVersion();
const char* ExporterRevision();

}  // namespace vb365
