// Runs LLVMFuzzerTestOneInput over every file named on the command line
// (directories recursively), and over prefixes of each: a fuzz target builds
// and runs in every build, with its seed corpus, so it never rots. A target
// reports a broken invariant by aborting, as under libFuzzer.
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

// The file being run, named on stderr when an invariant aborts.
const char* g_current = "";

void OnAbort(int) {
  const char prefix[] = "fuzz_main: aborted on input ";
  (void)!write(2, prefix, sizeof(prefix) - 1);
  (void)!write(2, g_current, std::strlen(g_current));
  (void)!write(2, "\n", 1);
  std::signal(SIGABRT, SIG_DFL);
  std::raise(SIGABRT);
}

int RunFile(const fs::path& path) {
  g_current = path.c_str();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  // Every prefix too: truncated bodies are the commonest bad input.
  for (size_t n = 0; n < bytes.size(); n += 1 + bytes.size() / 64) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), n);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGABRT, OnAbort);
  int failures = 0, files = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (!entry.is_regular_file()) continue;
        failures += RunFile(entry.path());
        ++files;
      }
    } else {
      failures += RunFile(arg);
      ++files;
    }
  }
  std::printf("%s: ran %d files\n", fs::path(argv[0]).filename().c_str(),
              files);
  return failures == 0 && files > 0 ? 0 : 1;
}
