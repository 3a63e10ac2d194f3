#pragma once
// Helpers shared by the fuzz targets: the input as text, and as a temporary file for parsers that
// read files (banks, lexicons). Each target defines LLVMFuzzerTestOneInput; built with clang and
// -fsanitize=fuzzer it is a libFuzzer binary (ops/scripts/fuzz.sh), built otherwise it is linked
// with replay_main.cc and replays the seed corpus and past crashes as a regression test.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace modstream::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A file holding the input, removed when this goes out of scope.
class TempFile {
 public:
  TempFile(const uint8_t* data, size_t size, const std::string& extension)
      : path_(std::filesystem::temp_directory_path() /
              ("modstream-fuzz-" + std::to_string(::getpid()) + extension)) {
    std::ofstream(path_, std::ios::binary)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace modstream::fuzz
