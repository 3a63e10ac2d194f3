#pragma once
// Crafted image bytes for tests of the decoder's limits, shared by the stage's unit tests and the
// integration tests on the real broker.

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace modstream::testing {

inline std::string readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A PNG whose IHDR claims `width` x `height`, with no pixel data behind it: the signature and
// IHDR chunk of the bundled sample photo with the dimensions patched in.
inline std::string pngClaiming(uint32_t width, uint32_t height) {
  std::string bytes =
      readFileBytes(MODSTREAM_SOURCE_DIR "/config/samples/media/holiday-photo.png").substr(0, 33);
  for (int i = 0; i < 4; ++i) {
    bytes[16 + i] = static_cast<char>(width >> (24 - 8 * i));
    bytes[20 + i] = static_cast<char>(height >> (24 - 8 * i));
  }
  return bytes;
}

}  // namespace modstream::testing
