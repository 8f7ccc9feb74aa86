// The whole program behind main(): flags, logging, config, one refresher per
// server, the HTTP server, and a clean stop on SIGINT/SIGTERM.
#pragma once

namespace vb365 {

// Returns the process exit code: 0 after a clean stop (or --help, --version,
// a valid --config.check, a --print-certificate that got a certificate), 1
// on a bad flag or config, a certificate pin that does not match under
// --config.check, or when the listen address cannot be bound.
int RunExporter(int argc, const char* const* argv);

}  // namespace vb365
