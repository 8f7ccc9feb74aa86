// The calling thread's Parser: one per worker, reused across requests so its
// buffers stay allocated (the Client frees them after a document larger
// than about 1 MB of index, and they die with the thread: the refresher's
// workers live for one refresh). Internal to the api module.
#pragma once

#include "parse/parser.h"

namespace vb365 {

Parser& ThreadParser();
// The parser for `body`: its slot's (PaddedBody::SetLargeBodyLimit), else
// the thread's.
Parser& ParserFor(const PaddedBody& body);

}  // namespace vb365
