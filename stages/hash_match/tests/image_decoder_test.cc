#include "stages/hash_match/image_decoder.h"

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/support/crafted_images.h"

using namespace modstream;
using modstream::testing::pngClaiming;

namespace {

const std::string kPng =
    testing::readFileBytes(MODSTREAM_SOURCE_DIR "/config/samples/media/holiday-photo.png");

}  // namespace

TEST_CASE("headers give format and dimensions without decoding", "[decoder]") {
  auto header = readImageHeader(kPng);
  REQUIRE(header.ok());
  CHECK(header.value().format == "png");
  CHECK(header.value().width == 80);
  CHECK(header.value().height == 60);
}

TEST_CASE("decompression bombs are refused from the header", "[decoder]") {
  ImageDecoder decoder(ImageLimits{4096, 4'000'000});
  auto bomb = decoder.decode(pngClaiming(100000, 100000));
  REQUIRE_FALSE(bomb.ok());
  CHECK(bomb.error().error_class == image_error::kTooLarge);
  CHECK_THAT(bomb.error().message, Catch::Contains("100000x100000"));
  auto wide = decoder.decode(pngClaiming(5000, 10));
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.error().error_class == image_error::kTooLarge);
}

TEST_CASE("truncated and foreign bytes get clear error classes", "[decoder]") {
  ImageDecoder decoder(ImageLimits{});
  auto truncated = decoder.decode(kPng.substr(0, kPng.size() / 2));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().error_class == image_error::kCorrupt);
  auto text = decoder.decode("hello, I am not an image");
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().error_class == image_error::kUnsupported);
  auto empty = decoder.decode("");
  REQUIRE_FALSE(empty.ok());
  auto jpeg_start = decoder.decode(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10));
  REQUIRE_FALSE(jpeg_start.ok());
  CHECK(jpeg_start.error().error_class == image_error::kCorrupt);
}

TEST_CASE("a valid PNG decodes to RGB", "[decoder]") {
  auto image = ImageDecoder(ImageLimits{}).decode(kPng);
  REQUIRE(image.ok());
  CHECK(image.value().width == 80);
  CHECK(image.value().pixels.size() == 80u * 60 * 3);
  // holiday-photo.png's first pixel is (30, 90, 200) in RGB order.
  CHECK(image.value().pixels[0] == 30);
  CHECK(image.value().pixels[1] == 90);
  CHECK(image.value().pixels[2] == 200);
}

TEST_CASE("fast decoding scales a large JPEG in the DCT, keeping both sides at 512 or more",
          "[decoder]") {
  const ImageDecoder fast(ImageLimits{}, DecodeMode::kFast);
  CHECK(fast.jpegScale(1023, 5000) == 1);  // just under twice the minimum side
  CHECK(fast.jpegScale(1024, 1024) == 2);  // at it
  CHECK(fast.jpegScale(2047, 4000) == 2);
  CHECK(fast.jpegScale(2048, 2048) == 4);
  CHECK(fast.jpegScale(4096, 4096) == 8);
  CHECK(fast.jpegScale(16384, 16384) == 8);                       // 1/8 is libjpeg's smallest
  CHECK(ImageDecoder(ImageLimits{}).jpegScale(4096, 4096) == 1);  // exact mode never scales

  // A 1,200 x 1,100 photo-like JPEG decodes at half size (rounded up), its PNG in full.
  cv::Mat photo(1100, 1200, CV_8UC3);
  cv::randu(photo, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(photo, photo, {0, 0}, 8);
  std::vector<uint8_t> jpeg, png;
  cv::imencode(".jpg", photo, jpeg);
  cv::imencode(".png", photo, png);
  const auto halved = fast.decode(std::string(jpeg.begin(), jpeg.end()));
  REQUIRE(halved.ok());
  CHECK(halved.value().width == 600);
  CHECK(halved.value().height == 550);
  const auto full = fast.decode(std::string(png.begin(), png.end()));
  REQUIRE(full.ok());
  CHECK(full.value().width == 1200);
}
