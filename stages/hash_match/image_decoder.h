#pragma once
// Decodes untrusted image bytes to 8-bit RGB for hashing. The declared dimensions are read from
// the header first (libjpeg-turbo for JPEG, libwebp for WebP, the fixed IHDR/BITMAPINFOHEADER
// fields for PNG and BMP) and checked against the limits before OpenCV allocates anything, so a
// decompression bomb costs a few bytes of parsing. Truncated or corrupt files give
// image_error::kCorrupt.
// Stateless apart from the limits; safe to share across threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/core/error.h"
#include "pipeline/core/result.h"

namespace modstream {

// Why media bytes could not be decoded: error classes of their own (dead-letter headers, metric
// labels), raised by hash_match.
namespace image_error {
inline constexpr ErrorClass kUnsupported{"unsupported_image"};  // not a format modstream decodes
inline constexpr ErrorClass kTooLarge{"image_too_large"};  // dimensions or pixels over the limits
inline constexpr ErrorClass kCorrupt{"corrupt_image"};     // truncated, corrupt, or decoding failed
}  // namespace image_error

struct ImageLimits {
  int max_dimension = 16384;                // pixels along either side
  int64_t max_pixels = 64ll * 1000 * 1000;  // width * height
};

struct ImageHeader {
  std::string format;  // jpeg, png, webp, bmp
  int width = 0;
  int height = 0;
};

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major RGB, 3 bytes per pixel
};

// Reads only the header; fails with image_error::kUnsupported or image_error::kCorrupt.
Result<ImageHeader> readImageHeader(std::string_view bytes);

// kExact decodes every pixel. kFast decodes a JPEG at 1/2, 1/4 or 1/8 of its size in the DCT
// (libjpeg-turbo's scaled decoding), the smallest that keeps both sides at least `min_side`
// pixels: PDQ boils every image down to 64x64 with box filters, so most of a full decode is
// thrown away. Other formats decode in full either way.
enum class DecodeMode { kExact, kFast };

class ImageDecoder {
 public:
  static constexpr int kDefaultFastMinSide = 512;
  explicit ImageDecoder(ImageLimits limits, DecodeMode mode = DecodeMode::kExact,
                        int min_side = kDefaultFastMinSide)
      : limits_(limits), mode_(mode), min_side_(min_side) {}
  // Header check, then decode. Alpha is dropped; greyscale is expanded to RGB. EXIF orientation
  // is not applied, as in the PDQ reference hashes.
  Result<RgbImage> decode(std::string_view bytes) const;
  // The scale a JPEG of this size decodes at in this mode: 1, 2, 4 or 8 (divides each side).
  int jpegScale(int width, int height) const;

 private:
  ImageLimits limits_;
  DecodeMode mode_;
  int min_side_;
};

}  // namespace modstream
