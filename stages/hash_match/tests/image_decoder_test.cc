#include "stages/hash_match/image_decoder.h"

#include <catch2/catch.hpp>

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
  CHECK(bomb.error().error_class == ErrorClass::kImageTooLarge);
  CHECK_THAT(bomb.error().message, Catch::Contains("100000x100000"));
  auto wide = decoder.decode(pngClaiming(5000, 10));
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.error().error_class == ErrorClass::kImageTooLarge);
}

TEST_CASE("truncated and foreign bytes get clear error classes", "[decoder]") {
  ImageDecoder decoder(ImageLimits{});
  auto truncated = decoder.decode(kPng.substr(0, kPng.size() / 2));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().error_class == ErrorClass::kCorruptImage);
  auto text = decoder.decode("hello, I am not an image");
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().error_class == ErrorClass::kUnsupportedImage);
  auto empty = decoder.decode("");
  REQUIRE_FALSE(empty.ok());
  auto jpeg_start = decoder.decode(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10));
  REQUIRE_FALSE(jpeg_start.ok());
  CHECK(jpeg_start.error().error_class == ErrorClass::kCorruptImage);
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
