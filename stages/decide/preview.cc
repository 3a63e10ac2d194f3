#include "stages/decide/preview.h"

#include <openssl/evp.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace modstream {

PreviewConfig parsePreviewConfig(ConfigMap map) {
  PreviewConfig config;
  map.field("enabled", config.enabled);
  map.field("max_side", config.max_side, {8, 512});
  map.field("blur_sigma", config.blur_sigma, {0.5, 50.0});
  for (const auto& node : map.sequence("allow_for_bank_categories")) {
    config.allow_for_bank_categories.insert(node.as<std::string>(""));
  }
  map.finish();
  return config;
}

bool previewAllowed(const PreviewConfig& config, const std::vector<BankMatch>& matches) {
  if (!config.enabled) return false;
  return std::all_of(matches.begin(), matches.end(), [&](const BankMatch& match) {
    return match.allowlist || config.allow_for_bank_categories.count(match.category) > 0;
  });
}

std::optional<nlohmann::json> makePreview(std::string_view image_bytes, const PreviewConfig& config,
                                          const ImageDecoder& decoder) {
  auto decoded = decoder.decode(image_bytes);
  if (!decoded.ok()) return std::nullopt;
  RgbImage& image = decoded.value();
  const cv::Mat rgb(image.height, image.width, CV_8UC3, image.pixels.data());
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  const double scale =
      std::min(1.0, static_cast<double>(config.max_side) / std::max(image.width, image.height));
  cv::Mat small;
  cv::resize(grey, small,
             cv::Size(std::max(1, static_cast<int>(image.width * scale)),
                      std::max(1, static_cast<int>(image.height * scale))),
             0, 0, cv::INTER_AREA);
  cv::Mat blurred;
  cv::GaussianBlur(small, blurred, cv::Size(0, 0), config.blur_sigma);
  std::vector<uint8_t> jpeg;
  if (!cv::imencode(".jpg", blurred, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70})) return std::nullopt;
  std::string base64(4 * ((jpeg.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), jpeg.data(),
                                      static_cast<int>(jpeg.size()));
  base64.resize(static_cast<size_t>(written));
  return nlohmann::json{{"media_type", "image/jpeg"}, {"width", blurred.cols},
                        {"height", blurred.rows},     {"blurred", true},
                        {"greyscale", true},          {"data_base64", base64}};
}

}  // namespace modstream
