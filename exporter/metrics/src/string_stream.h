// An output stream appending to one std::string: no second copy of the text
// (std::ostringstream::str() copies it) and growth the caller can reserve.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>

namespace vb365 {

class StringBuf : public std::streambuf {
 public:
  explicit StringBuf(std::string* out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      out_->push_back(traits_type::to_char_type(c));
    }
    return traits_type::not_eof(c);
  }

 private:
  std::string* out_;
};

class StringStream : public std::ostream {
 public:
  explicit StringStream(std::string* out) : std::ostream(nullptr), buf_(out) {
    rdbuf(&buf_);
  }

 private:
  StringBuf buf_;
};

}  // namespace vb365
