// Readers state which members of a JSON object they want and what each
// becomes; this header turns that statement into the walker's one member
// loop, with a dispatch as fast as a hand-written switch (first byte of the
// key, then whole-word compares against patterns built at compile time).
//
//   constexpr auto kStatistics = Object<SessionStatistics>(
//       "statistics",  // the object's path inside its element, for errors
//       Field("transferredDataBytes",
//             IntOrZero<&SessionStatistics::transferred_data_bytes>()),
//       Field("bottleneck", As(kExpectedString, ReadBottleneck)));
//   ... ReadObject<kStatistics>(w, &session->statistics, f) ...
//
// A value reader is `bool (Walker&, Out*, Fail*)`: it consumes the value
// and returns false when it has the wrong type (the loop reports
// "<where>.<name>: <what>") or when it recorded a failure of its own in *f
// (a nested object). Members not listed are skipped (their grammar still
// checked); a Required member that is absent gives "<name>: missing", the
// first in table order. A duplicated member is read again: the last wins.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "walker.h"

namespace vb365::parse_internal {

// What a member's value becomes: `read`, and the error when it fails.
template <typename Fn>
struct Value {
  const char* what;
  Fn read;
};
template <typename Fn>
constexpr Value<Fn> As(const char* what, Fn read) {
  return {what, read};
}

template <size_t N, typename Fn>
struct MemberSpec {
  KeyPattern<N> key;
  const char* name;
  bool required;
  Value<Fn> value;
};

template <size_t N, typename Fn>
constexpr MemberSpec<N, Fn> Field(const char (&name)[N], Value<Fn> value) {
  return {MakeKeyPattern(name), name, false, value};
}
template <size_t N, typename Fn>
constexpr MemberSpec<N, Fn> Required(const char (&name)[N], Value<Fn> value) {
  return {MakeKeyPattern(name), name, true, value};
}

// The lambda of a value reader: VB365_READ_INTO(Job) { ... } reads into
// `out` (a Job*) from walker `w`, `f` for failures of its own. Always
// inlined into the member loop, so the walker stays in registers.
#define VB365_READ_INTO(Out)                               \
  []([[maybe_unused]] ::vb365::parse_internal::Walker & w, \
     [[maybe_unused]] Out * out,                           \
     [[maybe_unused]] ::vb365::parse_internal::Fail * f)   \
      VB365_INLINE_LAMBDA -> bool

inline constexpr uint8_t kNoMember = 0xFF;

// Bytes a member name may start with: the key dispatch below is a switch on
// the key's first byte over this range ('A'..'z': letters, '_' and a few
// punctuation marks), so that it compiles to one jump table, like the
// hand-written switch it replaced. A key starting with another byte is an
// unknown member.
inline constexpr unsigned char kFirstKeyByte = 'A';
inline constexpr unsigned char kLastKeyByte = 'z';

template <typename Out, typename... Members>
struct ObjectSpec {
  const char* where;
  std::tuple<Members...> members;
  // Key's first byte -> the first member whose name starts with it.
  std::array<uint8_t, 256> first{};
  // Member i -> the next member with the same first byte.
  std::array<uint8_t, sizeof...(Members)> next{};
  uint32_t required = 0;  // bit i: member i is required
  std::array<const char*, sizeof...(Members)> names{};
};

// Throwing in a constant expression is a compile error: the spec is checked
// when its constexpr variable is built.
template <typename Out, typename... Members>
constexpr ObjectSpec<Out, Members...> Object(const char* where,
                                             Members... members) {
  static_assert(sizeof...(Members) <= 32, "the required bits are a uint32_t");
  ObjectSpec<Out, Members...> spec{where, {members...}};
  spec.names = {members.name...};
  const bool required[] = {members.required...};
  for (auto& slot : spec.first) slot = kNoMember;
  for (size_t i = sizeof...(Members); i-- > 0;) {
    const auto c = static_cast<unsigned char>(spec.names[i][0]);
    if (c < kFirstKeyByte || c > kLastKeyByte) {
      throw "a member name must start with a byte in 'A'..'z'";
    }
    spec.next[i] = spec.first[c];
    spec.first[c] = static_cast<uint8_t>(i);
    if (required[i]) spec.required |= uint32_t{1} << i;
  }
  return spec;
}

// What ReadMember did: read the member's value, failed (*f filled), or
// found no member by that key (the caller skips the value).
enum class Member { kRead, kFailed, kUnknown };

// The member whose key is at `key`, if it is member I or a later one with
// the same first byte (I == kNoMember: none is).
template <const auto& kSpec, size_t I, typename Out>
VB365_ALWAYS_INLINE Member ReadMember(Walker& w, const char* key, Out* out,
                                      Fail* f, uint32_t* seen) {
  if constexpr (I == kNoMember) {
    return Member::kUnknown;
  } else {
    constexpr auto& member = std::get<I>(kSpec.members);
    if (MatchKey(key, member.key)) {
      if constexpr (member.required) *seen |= uint32_t{1} << I;
      if (member.value.read(w, out, f)) return Member::kRead;
      if (f->what == nullptr) {
        TypeFail(f, kSpec.where, member.name, member.value.what);
      }
      return Member::kFailed;
    }
    return ReadMember<kSpec, kSpec.next[I]>(w, key, out, f, seen);
  }
}

// The first required member not seen, as "<where>.<name>: missing".
template <const auto& kSpec>
__attribute__((cold, noinline)) bool MissingMember(uint32_t seen, Fail* f) {
  size_t i = 0;
  while (((kSpec.required & ~seen) >> i & 1) == 0) ++i;
  return TypeFail(f, kSpec.where, kSpec.names[i], kMissing);
}

// One case per first byte c in kFirstKeyByte..kLastKeyByte: the members
// starting with c, resolved at compile time.
#define VB365_KEY_CASE(c)                                             \
  case (c):                                                           \
    if constexpr (kSpec.first[(c)] != kNoMember) {                    \
      r = ReadMember<kSpec, kSpec.first[(c)]>(w, key, out, f, &seen); \
    }                                                                 \
    break;
#define VB365_KEY_CASES2(c) VB365_KEY_CASE(c) VB365_KEY_CASE((c) + 1)
#define VB365_KEY_CASES4(c) VB365_KEY_CASES2(c) VB365_KEY_CASES2((c) + 2)
#define VB365_KEY_CASES8(c) VB365_KEY_CASES4(c) VB365_KEY_CASES4((c) + 4)
#define VB365_KEY_CASES16(c) VB365_KEY_CASES8(c) VB365_KEY_CASES8((c) + 8)
#define VB365_KEY_CASES32(c) VB365_KEY_CASES16(c) VB365_KEY_CASES16((c) + 16)

// The object whose '{' is the next token, read into *out by kSpec.
template <const auto& kSpec, typename Out>
VB365_ALWAYS_INLINE bool ReadObject(Walker& w, Out* out, Fail* f) {
  static_assert(kLastKeyByte - kFirstKeyByte + 1 == 32 + 16 + 8 + 2);
  uint32_t seen = 0;
  const bool ok =
      w.Members(kSpec.where, f, [&](const char* key) VB365_INLINE_LAMBDA {
        Member r = Member::kUnknown;
        switch (static_cast<unsigned char>(key[0])) {
          VB365_KEY_CASES32(kFirstKeyByte)
          VB365_KEY_CASES16(kFirstKeyByte + 32)
          VB365_KEY_CASES8(kFirstKeyByte + 48)
          VB365_KEY_CASES2(kFirstKeyByte + 56)
          default:
            break;
        }
        // One skip for every unknown member: a copy per case would bloat
        // the loop.
        if (r == Member::kUnknown) return w.Skip(kSpec.where, f);
        return r == Member::kRead;
      });
  if (!ok) return false;
  if ((seen & kSpec.required) != kSpec.required) {
    return MissingMember<kSpec>(seen, f);
  }
  return true;
}

#undef VB365_KEY_CASES32
#undef VB365_KEY_CASES16
#undef VB365_KEY_CASES8
#undef VB365_KEY_CASES4
#undef VB365_KEY_CASES2
#undef VB365_KEY_CASE

// ---- Value readers shared by the readers -----------------------------------

// A nested object read by kSpec into out->*kMember, or null (left as is).
// *present (if given) says an object was read.
template <const auto& kSpec, auto kMember, auto kPresent = nullptr>
constexpr auto ObjectOrNull() {
  return As(
      kExpectedObject, VB365_READ_INTO(auto) {
        if (w.Peek() == '{') {
          if (!ReadObject<kSpec>(w, &(out->*kMember), f)) return false;
          if constexpr (kPresent != nullptr) out->*kPresent = true;
          return true;
        }
        return w.Null();
      });
}

// An integer; null gives `kNull`.
template <auto kMember, int64_t kNull = 0>
constexpr auto IntOr() {
  return As(
      kExpectedInteger, VB365_READ_INTO(auto) {
        int64_t n = 0;
        const Read r = w.Int(&n);
        if (r == Read::kBad) return false;
        out->*kMember = r == Read::kValue ? n : kNull;
        return true;
      });
}

// A timestamp; null and the year-1 placeholder give kNoTime.
template <auto kMember>
constexpr auto TimeOrNone() {
  return As(
      kExpectedTimestamp, VB365_READ_INTO(auto) {
        Timestamp t = kNoTime;
        const Read r = w.Time(&t);
        if (r == Read::kBad) return false;
        out->*kMember =
            (r == Read::kNull || IsPlaceholderTime(t)) ? kNoTime : t;
        return true;
      });
}

// A string, copied (decoded); null gives "".
template <auto kMember>
constexpr auto StringOrEmpty() {
  return As(
      kExpectedString, VB365_READ_INTO(auto) {
        std::string_view text;
        const Read r = w.String(&text);
        if (r == Read::kBad) return false;
        if (r == Read::kValue) {
          (out->*kMember).assign(text.data(), text.size());
        } else {
          (out->*kMember).clear();
        }
        return true;
      });
}

// A string, copied (decoded); null is an error.
template <auto kMember>
constexpr auto String() {
  return As(
      kExpectedString, VB365_READ_INTO(auto) {
        std::string_view text;
        if (w.String(&text) != Read::kValue) return false;
        (out->*kMember).assign(text.data(), text.size());
        return true;
      });
}

}  // namespace vb365::parse_internal
