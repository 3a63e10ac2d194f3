// Decode + PDQ throughput of modstream's hasher, single-threaded, on the files given: images/s for
// (a) the whole path from bytes (safe decode, RGB, PDQ) and (b) PDQ alone on already-decoded
// pixels. Prints one JSON object. The Python side (reference.py) measures PyPI pdqhash on the
// same files the same way; run.sh compares them. Then the fast decode mode (JPEGs decoded at a
// reduced scale in the DCT) at each candidate minimum side: its throughput and the Hamming
// distances of its hashes from the exact mode's (p50, p99, max over the files).

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "stages/hash_match/image_decoder.h"
#include "stages/hash_match/pdq.h"

using namespace modstream;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: pdq_hash_bench ROUNDS FILE...\n";
    return 2;
  }
  const int rounds = std::stoi(argv[1]);
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    files.push_back(bytes.str());
  }
  ImageDecoder decoder(ImageLimits{});
  PdqHasher hasher;
  std::vector<RgbImage> decoded;
  for (const auto& f : files) decoded.push_back(decoder.decode(f).value());

  uint64_t checksum = 0;  // keeps the work observable
  auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& f : files) {
      auto image = decoder.decode(f);
      const auto& rgb = image.value();
      checksum += hasher.hashRgb(rgb.pixels.data(), rgb.height, rgb.width).hash.words[0];
    }
  }
  const double decode_and_hash_s = std::chrono::duration<double>(Clock::now() - start).count();
  start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& rgb : decoded) {
      checksum += hasher.hashRgb(rgb.pixels.data(), rgb.height, rgb.width).hash.words[0];
    }
  }
  const double hash_only_s = std::chrono::duration<double>(Clock::now() - start).count();
  const double images = static_cast<double>(rounds) * static_cast<double>(files.size());

  nlohmann::json fast = nlohmann::json::array();
  for (const int min_side : {64, 128, 256, 512}) {
    const ImageDecoder fast_decoder(ImageLimits{}, DecodeMode::kFast, min_side);
    std::vector<int> distances;
    for (size_t i = 0; i < files.size(); ++i) {
      const auto& exact = decoded[i];
      const auto reduced = fast_decoder.decode(files[i]).value();
      distances.push_back(
          hasher.hashRgb(exact.pixels.data(), exact.height, exact.width)
              .hash.distance(
                  hasher.hashRgb(reduced.pixels.data(), reduced.height, reduced.width).hash));
    }
    std::sort(distances.begin(), distances.end());
    auto at = [&](double share) {
      return distances[std::min(
          distances.size() - 1,
          static_cast<size_t>(share * static_cast<double>(distances.size())))];
    };
    start = Clock::now();
    for (int r = 0; r < rounds; ++r) {
      for (const auto& f : files) {
        const auto rgb = fast_decoder.decode(f).value();
        checksum += hasher.hashRgb(rgb.pixels.data(), rgb.height, rgb.width).hash.words[0];
      }
    }
    const double fast_s = std::chrono::duration<double>(Clock::now() - start).count();
    fast.push_back({{"min_side", min_side},
                    {"decode_and_hash_images_per_s", images / fast_s},
                    {"distance_p50", at(0.5)},
                    {"distance_p99", at(0.99)},
                    {"distance_max", distances.back()}});
  }
  std::cout << nlohmann::json{{"images", images},
                              {"decode_and_hash_images_per_s", images / decode_and_hash_s},
                              {"hash_only_images_per_s", images / hash_only_s},
                              {"fast_decode", fast},
                              {"checksum", checksum}}
                   .dump()
            << "\n";
  return 0;
}
