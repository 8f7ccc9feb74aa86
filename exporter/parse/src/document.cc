#include "document.h"

namespace vb365::parse_internal {

Error MakeError(const Fail& f) {
  std::string m;
  if (f.array != nullptr) {
    m = f.array;
    m += '[';
    m += std::to_string(f.index);
    m += ']';
  }
  for (const char* part : {f.where, f.field}) {
    if (part == nullptr) continue;
    if (!m.empty()) m += '.';
    m += part;
  }
  if (!m.empty()) m += ": ";
  m += f.what;
  if (f.offset >= 0) {
    m += " at byte ";
    m += std::to_string(f.offset);
  }
  return DocumentError(std::move(m));
}

Error DocumentError(std::string message) {
  return Error(ErrorCode::kMalformed, std::move(message));
}

const char* DocumentReader::Begin(const PaddedBody& body,
                                  const char* not_a_container) {
  if (const char* e = index_.Build(body.data(), body.size())) {
    begin_error_ = std::string("invalid JSON: ") + e;
    return begin_error_.c_str();
  }
  // Every document the API sends is an array or an object: one whose last
  // token is not a closing bracket was cut short (or has trailing content),
  // which is worth saying plainly instead of naming the field it broke.
  const char* data = body.data();
  const char last = data[index_.tokens()[index_.count() - 1]];
  if (last == ']' || last == '}') return nullptr;
  const char first = data[index_.tokens()[0]];
  if (first == '[' || first == '{') {
    return "invalid JSON: the document does not end with ']' or '}' (cut "
           "short, or trailing content)";
  }
  return not_a_container;
}

Error DocumentReader::TrailingContentError(const Walker& w) {
  return DocumentError("trailing content after the JSON document at byte " +
                       std::to_string(w.Offset()));
}

void DocumentReader::ReleaseMemory() {
  index_.Release();
  std::string().swap(scratch_);
}

size_t DocumentReader::MemoryUsage() const {
  const size_t inline_capacity = std::string().capacity();  // no heap
  const size_t scratch =
      scratch_.capacity() > inline_capacity ? scratch_.capacity() : 0;
  return index_.MemoryUsage() + scratch;
}

}  // namespace vb365::parse_internal
