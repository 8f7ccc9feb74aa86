// parser.h: the Parser's state. Each entry point lives with its reader
// (sessions_reader.cc, jobs_reader.cc, token_reader.cc,
// service_instance_reader.cc, error_body_reader.cc); the machinery they
// share is document.h (whole documents), object_reader.h (the member
// tables), walker.h (the JSON grammar) and structural_index.h (simdjson's
// stage 1). docs/parsing.md describes how it works and how to add a reader.
#include "parse/parser.h"

#include "document.h"

namespace vb365 {

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

void Parser::ReleaseMemory() { impl_->ReleaseMemory(); }

size_t Parser::MemoryUsage() const { return impl_->MemoryUsage(); }

}  // namespace vb365
