// Strict YAML decoding shared by the config and web-config loaders: unknown
// and duplicate keys, wrong types and bad values become a DecodeError that
// names the line and the key path. Internal to vb365_config.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace vb365::config_internal {

// Thrown inside the loaders only; never escapes a public function.
struct DecodeError {
  int line = 0;      // 1-based; 0 when unknown
  std::string path;  // "servers[1].tls.ca_file"; empty for the whole file
  std::string reason;
};

// A value in the document: its node, its key path and its line.
struct Field {
  YAML::Node node;
  std::string path;
  int line = 0;
};

[[noreturn]] void Fail(const Field& field, std::string reason);
[[noreturn]] void Fail(int line, std::string path, std::string reason);

// "FILE:LINE: path: reason" (parts left out when unknown).
std::string FormatMessage(const std::string& file, int line,
                          const std::string& path, const std::string& reason);

// Parses exactly one YAML document; a syntax error becomes a DecodeError.
// An empty document gives a null node.
Field ParseDocument(const std::string& text);

// `"text"` with quotes, backslashes and non-printable bytes escaped, cut at
// 80 bytes. Never call it on a secret.
std::string Quote(std::string_view text);

std::string JoinPath(const std::string& parent, std::string_view key);

// A mapping whose keys must come from `allowed`. A null node reads as an
// empty mapping. Throws on another node type, an unknown or duplicate key.
class MapReader {
 public:
  MapReader(const Field& field,
            std::initializer_list<std::string_view> allowed);
  // Any keys allowed (for user-name maps); still rejects duplicates.
  explicit MapReader(const Field& field);

  // The value under `key`; nullopt when absent or null.
  std::optional<Field> Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key).has_value(); }
  // Every entry in document order (key scalar, value field).
  const std::vector<std::pair<std::string, Field>>& entries() const {
    return entries_;
  }
  const Field& field() const { return field_; }

 private:
  void Read(const std::initializer_list<std::string_view>* allowed);

  Field field_;
  std::vector<std::pair<std::string, Field>> entries_;
};

// Scalar and sequence conversions; each throws a DecodeError naming the field.
// AsString never echoes the value, so it is safe on secrets.
std::string AsString(const Field& field);
bool AsBool(const Field& field);
std::int64_t AsInt(const Field& field);
std::chrono::milliseconds AsDuration(const Field& field);        // > 0
std::chrono::milliseconds AsDurationOrZero(const Field& field);  // >= 0
std::vector<Field> AsSequence(const Field& field);  // null -> empty

// The most ReadFile reads: config, web config, password and PEM files are
// far smaller (a CA bundle is under 1 MiB).
inline constexpr size_t kMaxFileBytes = 16u << 20;

// Reads a whole file; on failure returns false and sets *error to
// "cannot read \"PATH\": strerror" (or ": larger than 16 MiB").
bool ReadFile(const std::string& path, std::string* contents,
              std::string* error);

// `path` if absolute or base_dir empty, else base_dir/path.
std::string ResolvePath(const std::string& base_dir, const std::string& path);
// Directory part of a file path ("" for a bare file name).
std::string DirName(const std::string& path);

// The path `field` names (resolved against base_dir) of a readable file that
// holds `marker` (a PEM header); else throws a DecodeError naming the field
// ("holds no PEM <what>"). The file's contents are not kept.
std::string ReadPemFile(const Field& field, const std::string& base_dir,
                        const char* marker, const char* what);

// Runs a loader's decode(yaml, name, base_dir) and turns its DecodeError
// into the Error "name:line: path: reason"; the body of every Load*String.
template <typename T, typename DecodeFn>
Result<T> DecodeOrError(const std::string& yaml, const std::string& name,
                        const std::string& base_dir, DecodeFn decode) {
  try {
    return decode(yaml, name, base_dir);
  } catch (const DecodeError& e) {
    return Error{ErrorCode::kConfig,
                 FormatMessage(name, e.line, e.path, e.reason)};
  }
}

// Reads the file at `path` and decodes it as DecodeOrError does; relative
// paths inside it are relative to the file's directory.
template <typename T, typename DecodeFn>
Result<T> DecodeFile(const std::string& path, DecodeFn decode) {
  std::string contents, error;
  if (!ReadFile(path, &contents, &error))
    return Error{ErrorCode::kConfig, path + ": " + error};
  return DecodeOrError<T>(contents, path, DirName(path), decode);
}

}  // namespace vb365::config_internal
