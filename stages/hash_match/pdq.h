#pragma once
// PDQ: Meta's 256-bit perceptual image hash, implemented from the published algorithm
// (ThreatExchange pdq/README.md and hashing.pdf): luminance, a two-pass Jarosz tent filter,
// decimation to 64x64, a 16x16 corner of the 2-D DCT, median threshold, an image-domain quality
// metric, and the eight dihedral variants computed in the DCT domain.
//
// Bit order follows the reference: bit k (k = 16 * row + column of the 16x16 DCT block) has value
// 2^k in the 256-bit integer written as 64 big-endian hex digits.
//
// PdqHasher owns scratch buffers and is not thread-safe: one per worker thread.

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modstream {

struct PdqHash {
  std::array<uint64_t, 4> words{};  // words[0] holds bits 0..63

  bool bit(int k) const { return (words[k >> 6] >> (k & 63)) & 1u; }
  void setBit(int k) { words[k >> 6] |= uint64_t{1} << (k & 63); }
  std::string hex() const;
  static std::optional<PdqHash> fromHex(std::string_view hex);
  // Inline so that callers compiled for the popcnt instruction (see pdq_index.cc) use it.
  int distance(const PdqHash& other) const {
    return std::popcount(words[0] ^ other.words[0]) + std::popcount(words[1] ^ other.words[1]) +
           std::popcount(words[2] ^ other.words[2]) + std::popcount(words[3] ^ other.words[3]);
  }
  bool operator==(const PdqHash&) const = default;
};

// The eight dihedral transforms, in the reference's order.
enum class Dihedral {
  kOriginal,
  kRotate90,
  kRotate180,
  kRotate270,
  kFlipX,
  kFlipY,
  kFlipPlus1,
  kFlipMinus1
};
inline constexpr int kDihedralCount = 8;
std::string_view dihedralName(Dihedral d);

struct PdqResult {
  PdqHash hash;
  int quality = 0;  // 0..100; the reference rejects below 50
};

struct PdqDihedralResult {
  std::array<PdqHash, kDihedralCount> hashes;  // indexed by Dihedral
  int quality = 0;
};

class PdqHasher {
 public:
  // Hashes an image given as 8-bit RGB, row-major, 3 bytes per pixel. Luminance is
  // 0.299 R + 0.587 G + 0.114 B computed in double and stored as float, exactly as PyPI pdqhash.
  PdqResult hashRgb(const uint8_t* rgb, int rows, int cols);
  PdqDihedralResult hashRgbDihedral(const uint8_t* rgb, int rows, int cols);
  // Hashes a luminance image (row-major floats, values 0..255). `luma` is overwritten.
  PdqResult hashLuma(float* luma, int rows, int cols);
  PdqDihedralResult hashLumaDihedral(float* luma, int rows, int cols);

 private:
  void fillLuma(const uint8_t* rgb, int rows, int cols);
  // Runs filter, decimation, quality and DCT; leaves the 16x16 DCT block in dct16_.
  int dctFromLuma(float* luma, int rows, int cols);

  std::vector<float> luma_;
  std::vector<float> scratch_;
  std::vector<float> column_sums_;
  std::array<float, 64 * 64> decimated_{};
  std::array<float, 16 * 64> partial_{};
  std::array<float, 16 * 16> dct16_{};
};

// Window size of the Jarosz filter for downscaling `old_dimension` to `new_dimension`.
int jaroszWindowSize(int old_dimension, int new_dimension);

}  // namespace modstream
