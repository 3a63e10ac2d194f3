#pragma once
// Wellness-safe previews: a moderator deciding on media that is not a known-abuse match sees a
// small, blurred, greyscale thumbnail first (made with OpenCV), not the image. Known-abuse matches
// never get one: they are taken down without anyone looking.
//
// Config (under decide's `previews:`):
//   enabled: false                 # no preview unless a deployment opts in
//   max_side: 64                   # pixels along the longer side
//   blur_sigma: 3.0                # Gaussian blur, in preview pixels
//   allow_for_bank_categories: []  # media matching a bank of any other category gets none
//
// Stateless; safe to share across threads.

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "pipeline/core/stage.h"
#include "stages/hash_match/image_decoder.h"

namespace modstream {

struct PreviewConfig {
  bool enabled = false;
  int max_side = 64;
  double blur_sigma = 3.0;
  std::set<std::string> allow_for_bank_categories;
};

PreviewConfig parsePreviewConfig(ConfigMap map);

// Whether config allows a preview of media with these bank matches.
bool previewAllowed(const PreviewConfig& config, const std::vector<BankMatch>& matches);

// {"media_type": "image/jpeg", "width", "height", "blurred": true, "greyscale": true,
//  "data_base64"}, or nothing when the bytes do not decode.
std::optional<nlohmann::json> makePreview(std::string_view image_bytes, const PreviewConfig& config,
                                          const ImageDecoder& decoder);

}  // namespace modstream
