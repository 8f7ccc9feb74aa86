#include "yaml_decode.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "config/config.h"

namespace vb365::config_internal {
namespace {

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

const char* TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    default:
      return "nothing";
  }
}

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

// Where each document's root node starts, and whether it is a bare null.
class RootRecorder : public YAML::EventHandler {
 public:
  YAML::Mark root;
  bool null_root = false;

  void OnDocumentStart(const YAML::Mark&) override { depth_ = 0; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    Node(mark, true);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    Node(mark, false);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&,
                       YAML::anchor_t, YAML::EmitterStyle::value) override {
    Node(mark, false);
    ++depth_;
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark, false);
    ++depth_;
  }
  void OnMapEnd() override { --depth_; }

 private:
  void Node(const YAML::Mark& mark, bool null) {
    if (depth_ != 0) return;
    root = mark;
    null_root = null;
  }
  int depth_ = 0;
};

// Fails unless `text` holds at most one document. Not YAML::LoadAll: on a
// ',' outside [ ] or { } yaml-cpp 0.7 reports a null document at the same
// place forever (yaml-cpp issue #1040), and LoadAll keeps every one of them
// until memory runs out. Found by config_fuzzer.
void CheckSingleDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  RootRecorder recorder;
  std::vector<YAML::Mark> roots;
  // Three documents at most: a stuck parser shows by the third.
  while (roots.size() < 3 && parser.HandleNextDocument(recorder)) {
    if (!roots.empty() && recorder.null_root &&
        recorder.root.pos == roots.back().pos) {
      const size_t pos = static_cast<size_t>(recorder.root.pos);
      Fail(recorder.root.line + 1, "",
           "invalid YAML: unexpected " +
               Quote(pos < text.size() ? text.substr(pos, 1) : ""));
    }
    roots.push_back(recorder.root);
  }
  if (roots.size() > 1) {
    Fail(roots[1].line + 1, "", "only one YAML document is allowed");
  }
}

}  // namespace

void Fail(const Field& field, std::string reason) {
  throw DecodeError{field.line, field.path, std::move(reason)};
}

void Fail(int line, std::string path, std::string reason) {
  throw DecodeError{line, std::move(path), std::move(reason)};
}

std::string FormatMessage(const std::string& file, int line,
                          const std::string& path, const std::string& reason) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += reason;
  return out;
}

Field ParseDocument(const std::string& text) {
  YAML::Node doc;
  try {
    CheckSingleDocument(text);
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages describe the syntax, never the document's text.
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    Fail(line, "", "invalid YAML: " + e.msg);
  }
  const int line = LineOf(doc);
  return Field{doc, "", line > 0 ? line : 1};
}

std::string Quote(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  constexpr size_t kMax = 80;
  std::string out = "\"";
  const size_t n = text.size() < kMax ? text.size() : kMax;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > kMax) out += "...";
  out += "\"";
  return out;
}

std::string JoinPath(const std::string& parent, std::string_view key) {
  bool simple = !key.empty();
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      simple = false;
    }
  }
  if (!simple) return parent + "[" + Quote(key) + "]";
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

MapReader::MapReader(const Field& field,
                     std::initializer_list<std::string_view> allowed)
    : field_(field) {
  Read(&allowed);
}

MapReader::MapReader(const Field& field) : field_(field) { Read(nullptr); }

void MapReader::Read(const std::initializer_list<std::string_view>* allowed) {
  const YAML::Node& node = field_.node;
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    Fail(field_, std::string("expected a mapping, got ") + TypeName(node));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const int key_line = LineOf(key);
    if (!key.IsScalar()) {
      Fail(key_line, field_.path, "keys must be plain strings");
    }
    const std::string name = key.Scalar();
    const std::string path = JoinPath(field_.path, name);
    if (allowed != nullptr) {
      bool known = false;
      for (std::string_view a : *allowed) known = known || a == name;
      if (!known) Fail(key_line, path, "unknown key");
    }
    for (const auto& entry : entries_) {
      if (entry.first == name) Fail(key_line, path, "duplicate key");
    }
    // yaml-cpp marks a null value at the following token, often the next
    // line: the key's line is the one the reader wants.
    const YAML::Node value = it->second;
    const int value_line = value.IsNull()
                               ? key_line
                               : (LineOf(value) > 0 ? LineOf(value) : key_line);
    entries_.emplace_back(name, Field{value, path, value_line});
  }
}

std::optional<Field> MapReader::Get(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.first == key) {
      if (entry.second.node.IsNull()) return std::nullopt;
      return entry.second;
    }
  }
  return std::nullopt;
}

std::string AsString(const Field& field) {
  if (!field.node.IsScalar()) {
    Fail(field, std::string("expected a string, got ") + TypeName(field.node));
  }
  return field.node.Scalar();
}

bool AsBool(const Field& field) {
  if (!field.node.IsScalar()) {
    Fail(field, std::string("expected a boolean, got ") + TypeName(field.node));
  }
  const std::string& s = field.node.Scalar();
  if (IsPlain(field.node) || field.node.Tag() == "tag:yaml.org,2002:bool") {
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Fail(field, "expected a boolean (true or false), got " + Quote(s));
}

std::int64_t AsInt(const Field& field) {
  if (!field.node.IsScalar()) {
    Fail(field,
         std::string("expected an integer, got ") + TypeName(field.node));
  }
  const std::string& s = field.node.Scalar();
  if (IsPlain(field.node) || field.node.Tag() == "tag:yaml.org,2002:int") {
    std::int64_t value = 0;
    const char* begin = s.data();
    if (!s.empty() && s[0] == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size() && begin != ptr) {
      return value;
    }
  }
  Fail(field, "expected an integer, got " + Quote(s));
}

std::chrono::milliseconds AsDuration(const Field& field) {
  if (!field.node.IsScalar()) {
    Fail(field,
         std::string("expected a duration, got ") + TypeName(field.node));
  }
  const std::string& s = field.node.Scalar();
  const auto d = ParseDuration(s);
  if (!d) Fail(field, "invalid duration " + Quote(s));
  if (d->count() <= 0) Fail(field, "must be greater than 0");
  return *d;
}

std::chrono::milliseconds AsDurationOrZero(const Field& field) {
  if (field.node.IsScalar()) {
    const std::string& s = field.node.Scalar();
    const auto d = ParseDuration(s);
    if (d && d->count() == 0) return *d;
  }
  return AsDuration(field);
}

std::vector<Field> AsSequence(const Field& field) {
  std::vector<Field> out;
  const YAML::Node& node = field.node;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) {
    Fail(field, std::string("expected a sequence, got ") + TypeName(node));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const int line = LineOf(item);
    out.push_back(Field{item, field.path + "[" + std::to_string(i) + "]",
                        line > 0 ? line : field.line});
  }
  return out;
}

bool ReadFile(const std::string& path, std::string* contents,
              std::string* error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    *error = "cannot read " + Quote(path) + ": is a directory";
    return false;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"),
                                          &std::fclose);
  if (!f) {
    *error = "cannot read " + Quote(path) + ": " + std::strerror(errno);
    return false;
  }
  contents->clear();
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) {
    contents->append(buf, n);
    // A path to a device or a huge file (password_file: /dev/zero) must not
    // read until memory runs out.
    if (contents->size() > kMaxFileBytes) {
      *error = "cannot read " + Quote(path) + ": larger than " +
               std::to_string(kMaxFileBytes >> 20) + " MiB";
      contents->clear();
      return false;
    }
  }
  if (std::ferror(f.get())) {
    *error = "cannot read " + Quote(path) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  if (base_dir.back() == '/') return base_dir + path;
  return base_dir + "/" + path;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string ReadPemFile(const Field& field, const std::string& base_dir,
                        const char* marker, const char* what) {
  const std::string path = ResolvePath(base_dir, AsString(field));
  if (path.empty()) Fail(field, "must not be empty");
  std::string contents, error;
  if (!ReadFile(path, &contents, &error)) Fail(field, error);
  if (contents.find(marker) == std::string::npos) {
    Fail(field, "file " + Quote(path) + " holds no PEM " + what);
  }
  return path;
}

}  // namespace vb365::config_internal
