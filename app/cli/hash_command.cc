// `modstream hash FILE...`: PDQ (with quality) and MD5 / SHA-1 / SHA-256 of image files, one JSON
// object per line, in the order given. A file that cannot be hashed gets an "error" object with the
// same error class the pipeline would dead-letter it with; the exit code is then 1.

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/commands.h"
#include "pipeline/core/content_hash.h"
#include "stages/hash_match/image_decoder.h"
#include "stages/hash_match/pdq.h"

namespace modstream::cli {

int hashCommand(const HashOptions& options) {
  ImageDecoder decoder(ImageLimits{});
  PdqHasher hasher;
  int failures = 0;
  for (const auto& file : options.files) {
    nlohmann::json line = {{"file", file}};
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buffer;
    if (in) buffer << in.rdbuf();
    if (!in) {
      line["error"] = {{"class", "unreadable_file"}, {"message", "cannot be opened"}};
      std::cout << line.dump() << "\n";
      ++failures;
      continue;
    }
    const std::string bytes = buffer.str();
    for (const HashType type : kDigestTypes) {
      line[std::string(hashTypeName(type))] = hexDigest(type, bytes);
    }
    auto image = decoder.decode(bytes);
    if (!image.ok()) {
      line["error"] = {{"class", image.error().error_class.name()},
                       {"message", image.error().message}};
      std::cout << line.dump() << "\n";
      ++failures;
      continue;
    }
    const auto& rgb = image.value();
    line["width"] = rgb.width;
    line["height"] = rgb.height;
    if (options.dihedral) {
      auto result = hasher.hashRgbDihedral(rgb.pixels.data(), rgb.height, rgb.width);
      line["pdq"] = result.hashes[0].hex();
      line["quality"] = result.quality;
      nlohmann::json variants;
      for (int d = 0; d < kDihedralCount; ++d) {
        variants[std::string(dihedralName(static_cast<Dihedral>(d)))] = result.hashes[d].hex();
      }
      line["pdq_dihedral"] = variants;
    } else {
      auto result = hasher.hashRgb(rgb.pixels.data(), rgb.height, rgb.width);
      line["pdq"] = result.hash.hex();
      line["quality"] = result.quality;
    }
    std::cout << line.dump() << "\n";
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace modstream::cli
