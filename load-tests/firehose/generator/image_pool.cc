#include "load-tests/firehose/generator/image_pool.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>

#include "pipeline/core/content_hash.h"
#include "stages/hash_match/pdq.h"

namespace modstream::firehose {
namespace {

// Benign images must stay this far from every banked image (well past any sane bank threshold).
constexpr int kBenignMinDistance = 64;
constexpr int kMinQuality = 60;  // above hash_match's default gate of 50, with a margin

cv::Scalar randomColour(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> channel(0, 255);
  return {static_cast<double>(channel(rng)), static_cast<double>(channel(rng)),
          static_cast<double>(channel(rng))};
}

// A scene: a gradient, then random filled shapes and lines, then sensor-like noise.
cv::Mat drawScene(std::mt19937_64& rng) {
  static const std::pair<int, int> kSizes[] = {{240, 320}, {480, 640}, {600, 800}, {768, 1024}};
  const auto [rows, cols] = kSizes[std::uniform_int_distribution<int>(0, 3)(rng)];
  cv::Mat image(rows, cols, CV_8UC3);
  const cv::Scalar from = randomColour(rng), to = randomColour(rng);
  for (int r = 0; r < rows; ++r) {
    const double t = static_cast<double>(r) / rows;
    image.row(r).setTo(from * (1 - t) + to * t);
  }
  std::uniform_int_distribution<int> x(0, cols - 1), y(0, rows - 1), radius(8, rows / 3);
  for (int shape = 0; shape < 18; ++shape) {
    const cv::Point a(x(rng), y(rng)), b(x(rng), y(rng));
    switch (shape % 3) {
      case 0:
        cv::circle(image, a, radius(rng), randomColour(rng), cv::FILLED);
        break;
      case 1:
        cv::rectangle(image, a, b, randomColour(rng), cv::FILLED);
        break;
      default:
        cv::line(image, a, b, randomColour(rng), 1 + radius(rng) / 8);
        break;
    }
  }
  cv::Mat noise(rows, cols, CV_8UC3);
  cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(6));
  cv::add(image, noise, image);
  return image;
}

std::string encode(const cv::Mat& image, bool png, int jpeg_quality = 88) {
  std::vector<uchar> buffer;
  const std::vector<int> params =
      png ? std::vector<int>{} : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  cv::imencode(png ? ".png" : ".jpg", image, buffer, params);
  return std::string(buffer.begin(), buffer.end());
}

PdqResult pdqOf(const std::string& bytes, PdqHasher& hasher) {
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                    const_cast<char*>(bytes.data()));  // imdecode only reads it
  cv::Mat bgr = cv::imdecode(raw, cv::IMREAD_COLOR);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return hasher.hashRgb(rgb.ptr<uint8_t>(), rgb.rows, rgb.cols);
}

// One of three edits a re-uploader makes: smaller and re-encoded, brighter, or cropped.
cv::Mat alter(const cv::Mat& original, int variant) {
  cv::Mat altered;
  switch (variant % 3) {
    case 0:
      cv::resize(original, altered, {}, 0.7, 0.7, cv::INTER_AREA);
      break;
    case 1:
      original.convertTo(altered, -1, 1.0, 14.0);
      break;
    default: {
      const int dx = original.cols / 25, dy = original.rows / 25;
      altered = original(cv::Rect(dx, dy, original.cols - 2 * dx, original.rows - 2 * dy)).clone();
    }
  }
  return altered;
}

}  // namespace

ImagePool::ImagePool(const ImagePoolSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  PdqHasher hasher;
  std::vector<PdqHash> banked_hashes;
  bank_csv_ = "hash_type,value,entry_id,category,source\n";
  for (int i = 0; static_cast<int>(banked_.size()) < spec.banked; ++i) {
    if (i > spec.banked * 4) throw std::runtime_error("cannot draw banked images of good quality");
    const cv::Mat scene = drawScene(rng);
    PoolImage image{encode(scene, false), "image/jpeg",
                    "FH-" + std::to_string(spec.seed) + "-" + std::to_string(banked_.size())};
    const PdqResult pdq = pdqOf(image.bytes, hasher);
    if (pdq.quality < kMinQuality) continue;
    std::vector<PoolImage> variants;
    for (int v = 0; v < spec.near_duplicates_per_banked; ++v) {
      PoolImage variant{encode(alter(scene, v + i), false, 75), "image/jpeg", image.bank_entry};
      const PdqResult near = pdqOf(variant.bytes, hasher);
      if (near.quality >= kMinQuality &&
          near.hash.distance(pdq.hash) <= kNearDuplicateMaxDistance) {
        variants.push_back(std::move(variant));
      }
    }
    if (static_cast<int>(variants.size()) < spec.near_duplicates_per_banked) continue;
    bank_csv_ += "md5," + hexDigest(HashType::kMd5, image.bytes) + "," + image.bank_entry +
                 ",A,firehose generator seed " + std::to_string(spec.seed) + "\n";
    bank_csv_ += "pdq," + pdq.hash.hex() + "," + image.bank_entry + ",A,firehose generator seed " +
                 std::to_string(spec.seed) + "\n";
    banked_hashes.push_back(pdq.hash);
    banked_.push_back(std::move(image));
    for (auto& variant : variants) near_duplicates_.push_back(std::move(variant));
  }
  while (static_cast<int>(benign_.size()) < spec.benign) {
    // Some PNGs too, but never over half a megabyte: noisy PNGs get big, and Kafka's default
    // record size limit is 1 MB.
    const cv::Mat scene = drawScene(rng);
    const bool png = benign_.size() % 4 == 3 && scene.total() <= 320 * 240;
    PoolImage image{encode(scene, png), png ? "image/png" : "image/jpeg", ""};
    const PdqHash hash = pdqOf(image.bytes, hasher).hash;
    bool far = true;
    for (const auto& banked : banked_hashes)
      far = far && hash.distance(banked) >= kBenignMinDistance;
    if (far) benign_.push_back(std::move(image));
  }
}

}  // namespace modstream::firehose
