#include "stages/hash_match/image_decoder.h"

#include <jpeglib.h>
#include <webp/decode.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace modstream {
namespace {

constexpr std::string_view kStage = "hash_match";

RecordError imageError(ErrorClass error_class, std::string message) {
  return RecordError{error_class, std::string(kStage), std::move(message)};
}

uint32_t bigEndian32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(b[at + 3])};
}

int32_t littleEndian32(std::string_view b, size_t at) {
  return static_cast<int32_t>(uint32_t{static_cast<uint8_t>(b[at])} |
                              (uint32_t{static_cast<uint8_t>(b[at + 1])} << 8) |
                              (uint32_t{static_cast<uint8_t>(b[at + 2])} << 16) |
                              (uint32_t{static_cast<uint8_t>(b[at + 3])} << 24));
}

// libjpeg reports errors through a callback that must not return; jump back to the caller.
struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

[[noreturn]] void jpegErrorExit(j_common_ptr info) {
  std::longjmp(reinterpret_cast<JpegErrorManager*>(info->err)->jump, 1);
}

void jpegSilence(j_common_ptr /*info*/, int /*level*/) {}

Result<ImageHeader> jpegHeader(std::string_view bytes) {
  jpeg_decompress_struct info{};
  JpegErrorManager errors{};
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = jpegErrorExit;
  errors.base.emit_message = jpegSilence;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    return imageError(image_error::kCorrupt, "JPEG header is corrupt or truncated");
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  ImageHeader header{"jpeg", static_cast<int>(info.image_width),
                     static_cast<int>(info.image_height)};
  jpeg_destroy_decompress(&info);
  return header;
}

}  // namespace

Result<ImageHeader> readImageHeader(std::string_view bytes) {
  if (bytes.size() >= 3 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
      static_cast<uint8_t>(bytes[1]) == 0xD8 && static_cast<uint8_t>(bytes[2]) == 0xFF) {
    return jpegHeader(bytes);
  }
  if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    // The IHDR chunk must come first: width and height are its first two fields.
    if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") {
      return imageError(image_error::kCorrupt, "PNG lacks its IHDR header");
    }
    const uint32_t width = bigEndian32(bytes, 16), height = bigEndian32(bytes, 20);
    if (width > INT32_MAX || height > INT32_MAX) {
      return imageError(image_error::kCorrupt, "PNG declares impossible dimensions");
    }
    return ImageHeader{"png", static_cast<int>(width), static_cast<int>(height)};
  }
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    int width = 0, height = 0;
    if (!WebPGetInfo(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &width,
                     &height)) {
      return imageError(image_error::kCorrupt, "WebP header is corrupt or truncated");
    }
    return ImageHeader{"webp", width, height};
  }
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "BM") {
    if (bytes.size() < 26) return imageError(image_error::kCorrupt, "BMP header is truncated");
    const int32_t width = littleEndian32(bytes, 18), height = littleEndian32(bytes, 22);
    if (width <= 0 || height == 0 || height == INT32_MIN) {
      return imageError(image_error::kCorrupt, "BMP declares impossible dimensions");
    }
    return ImageHeader{"bmp", width, height < 0 ? -height : height};
  }
  return imageError(image_error::kUnsupported,
                    "not a JPEG, PNG, WebP or BMP image (first bytes do not match any)");
}

int ImageDecoder::jpegScale(int width, int height) const {
  if (mode_ == DecodeMode::kExact) return 1;
  int scale = 1;
  while (scale < 8 && std::min(width, height) / (scale * 2) >= min_side_) scale *= 2;
  return scale;
}

Result<RgbImage> ImageDecoder::decode(std::string_view bytes) const {
  auto header = readImageHeader(bytes);
  if (!header.ok()) return header.error();
  const auto& h = header.value();
  if (h.width <= 0 || h.height <= 0) {
    return imageError(image_error::kCorrupt, h.format + " declares no pixels");
  }
  if (h.width > limits_.max_dimension || h.height > limits_.max_dimension ||
      int64_t{h.width} * h.height > limits_.max_pixels) {
    return imageError(image_error::kTooLarge,
                      h.format + " declares " + std::to_string(h.width) + "x" +
                          std::to_string(h.height) + " pixels; limits are " +
                          std::to_string(limits_.max_dimension) + " per side and " +
                          std::to_string(limits_.max_pixels) + " in all");
  }
  // OpenCV's reduced modes scale JPEGs in libjpeg's DCT (scale_denom); only JPEGs take them, as
  // for other formats OpenCV would decode in full and then resize.
  const int scale = h.format == "jpeg" ? jpegScale(h.width, h.height) : 1;
  const int flags = scale == 8   ? cv::IMREAD_REDUCED_COLOR_8
                    : scale == 4 ? cv::IMREAD_REDUCED_COLOR_4
                    : scale == 2 ? cv::IMREAD_REDUCED_COLOR_2
                                 : cv::IMREAD_COLOR;
  cv::Mat bgr;
  try {
    const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                          const_cast<char*>(bytes.data()));
    bgr = cv::imdecode(encoded, flags | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    return imageError(image_error::kCorrupt, h.format + " could not be decoded: " + e.what());
  }
  if (bgr.empty()) {
    return imageError(image_error::kCorrupt, h.format + " could not be decoded (truncated?)");
  }
  // Scaled, libjpeg rounds each side up.
  if (bgr.cols != (h.width + scale - 1) / scale || bgr.rows != (h.height + scale - 1) / scale) {
    return imageError(image_error::kCorrupt,
                      h.format + " decoded to a size its header did not declare");
  }
  RgbImage image{bgr.cols, bgr.rows, {}};
  image.pixels.resize(static_cast<size_t>(bgr.cols) * bgr.rows * 3);
  cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, image.pixels.data());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return image;
}

}  // namespace modstream
