// Whole documents: stage 1, then the walker from the first token to the
// last, and the one error builder. Two shapes: a collection (a plain array
// of elements, or a page envelope {"offset","limit","results":[...],
// "_links":{"next":...}}) read element by element by a Reader, and a single
// object read by an ObjectSpec. Parser::Impl is this class.
//
// A collection Reader (sessions_reader.cc, jobs_reader.cc) is
//   struct Reader {
//     using Value = Job;    // what is appended to the output vector
//     using Builder = Job;  // Value, or a struct derived from it with the
//                           // per-element state the reader needs
//     static bool ReadElement(Walker& w, Builder* b, Fail* f);  // at its {
//   };
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/types.h"
#include "object_reader.h"
#include "parse/padded_body.h"
#include "parse/parser.h"
#include "structural_index.h"
#include "walker.h"

namespace vb365 {
namespace parse_internal {

// "array[index].where.field: what[ at byte N]".
Error MakeError(const Fail& f);
// An error about the document as a whole.
Error DocumentError(std::string message);

// Elements of the array whose '[' is the next token, appended to *out.
template <typename Reader>
bool ReadElements(Walker& outer, const char* array,
                  std::vector<typename Reader::Value>* out, Fail* f) {
  // A local copy whose address never escapes (copied back below, not by a
  // destructor that would hold its address), so the compiler can keep the
  // position in registers through the whole loop.
  Walker w = outer;
  size_t current = 0;
  const bool ok = w.Elements(nullptr, f, [&](size_t index) VB365_INLINE_LAMBDA {
    current = index;
    // Built in a local (default-initialized member by member) and moved in:
    // emplace_back() value-initializes, which zero-fills the whole struct
    // first ("rep stos", measurable here).
    typename Reader::Builder b;
    if (w.Peek() != '{') return TypeFail(f, nullptr, nullptr, kExpectedObject);
    if (!Reader::ReadElement(w, &b, f)) return false;
    out->push_back(std::move(static_cast<typename Reader::Value&>(b)));
    return true;
  });
  outer = w;
  if (!ok) {
    f->array = array;
    f->index = static_cast<int64_t>(current);
  }
  return ok;
}

// The page envelope of a collection: PageInfo plus where the elements go.
template <typename Reader>
struct Page : PageInfo {
  std::vector<typename Reader::Value>* elements = nullptr;
};

template <typename Reader>
inline constexpr auto kPageLinks = Object<Page<Reader>>(
    "_links",
    // Present and not null: there is a next page (its href is not needed).
    Field("next", As(
                      kExpectedObject, VB365_READ_INTO(Page<Reader>) {
                        if (w.Peek() != 'n') out->has_next = true;
                        return w.Skip("_links", f);
                      })));

template <typename Reader>
inline constexpr auto kPage = Object<Page<Reader>>(
    nullptr,
    Required("results", As(
                            kExpectedArray,
                            VB365_READ_INTO(Page<Reader>) {
                              return w.Peek() == '[' &&
                                     ReadElements<Reader>(w, "results",
                                                          out->elements, f);
                            })),
    Field("offset", IntOr<&PageInfo::offset>()),
    Field("limit", IntOr<&PageInfo::limit>()),
    Field("_links", As(
                        kExpectedObject, VB365_READ_INTO(Page<Reader>) {
                          if (w.Peek() == '{') {
                            return ReadObject<kPageLinks<Reader>>(w, out, f);
                          }
                          return w.Null();
                        })));

class DocumentReader {
 public:
  // A plain array or a page envelope, appended to *out; on error *out keeps
  // its old size (nothing partial is appended).
  template <typename Reader>
  Result<PageInfo> Collection(const PaddedBody& body,
                              std::vector<typename Reader::Value>* out) {
    const size_t old_size = out->size();
    Page<Reader> page;
    page.elements = out;
    Fail f;
    const char* error = Begin(body, "expected an array or a page object");
    if (error != nullptr) return DocumentError(error);
    // A session or job has about 100 tokens: reserve once instead of
    // growing (and page-faulting) the vector a dozen times.
    const size_t estimate = index_.count() / 100;
    if (out->capacity() < out->size() + estimate) {
      out->reserve(out->size() + estimate);
    }
    Walker w = MakeWalker(body);
    bool ok;
    if (w.Peek() == '[') {
      ok = ReadElements<Reader>(w, "", out, &f);
    } else if (w.Peek() == '{') {
      page.is_page = true;
      ok = ReadObject<kPage<Reader>>(w, &page, &f);
    } else {
      out->resize(old_size);
      return DocumentError("expected an array or a page object");
    }
    if (ok && !w.AtEnd()) return TrailingContent(w, out, old_size);
    if (!ok) {
      out->resize(old_size);
      return MakeError(f);
    }
    PageInfo info = page;
    info.count = static_cast<int64_t>(out->size() - old_size);
    return info;
  }

  // A single object, read into a fresh Out by kSpec.
  template <const auto& kSpec, typename Out>
  Result<Out> Object(const PaddedBody& body) {
    const char* error = Begin(body, "expected an object");
    if (error != nullptr) return DocumentError(error);
    Walker w = MakeWalker(body);
    if (w.Peek() != '{') return DocumentError("expected an object");
    Out out;
    Fail f;
    if (!ReadObject<kSpec>(w, &out, &f)) return MakeError(f);
    if (!w.AtEnd()) return TrailingContentError(w);
    return out;
  }

  void ReleaseMemory();
  size_t MemoryUsage() const;

 private:
  // Stage 1, and the checks of the first and last token; nullptr when the
  // walk may start, else the error.
  const char* Begin(const PaddedBody& body, const char* not_a_container);
  Walker MakeWalker(const PaddedBody& body) {
    return Walker(body.data(), body.size(), index_.tokens(), index_.count(),
                  &scratch_);
  }
  template <typename T>
  Error TrailingContent(const Walker& w, std::vector<T>* out, size_t size) {
    out->resize(size);
    return TrailingContentError(w);
  }
  static Error TrailingContentError(const Walker& w);

  StructuralIndex index_;
  std::string scratch_;  // unescaped strings
  std::string begin_error_;
};

}  // namespace parse_internal

struct Parser::Impl : parse_internal::DocumentReader {};

}  // namespace vb365
