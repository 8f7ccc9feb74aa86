// The calling thread's Parser: one per worker, reused across requests so its
// buffers stay allocated. Internal to the api module.
#pragma once

#include "parse/parser.h"

namespace vb365 {

Parser& ThreadParser();

}  // namespace vb365
