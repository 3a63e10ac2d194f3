#pragma once
// The images the firehose sends, made once per run from a seed: benign images, "banked" images
// (whose MD5 and PDQ go into a hash bank the pipeline loads) and near-duplicates of the banked ones
// (resized, re-encoded, brightened, cropped: found only by PDQ). Every near-duplicate is checked
// with the project's PDQ before it is kept: within `kNearDuplicateMaxDistance` of its original and
// above the quality gate, so a takedown is a fair expectation. Benign images are checked to be far
// from every banked one.

#include <cstdint>
#include <string>
#include <vector>

namespace modstream::firehose {

struct PoolImage {
  std::string bytes;         // encoded (JPEG or PNG)
  std::string content_type;  // image/jpeg or image/png
  std::string bank_entry;    // the bank entry it matches; empty for benign images
};

struct ImagePoolSpec {
  uint64_t seed = 1;
  int benign = 48;
  int banked = 24;
  int near_duplicates_per_banked = 2;
};

// Near-duplicates must match a bank with pdq_max_distance >= this (the default is 31).
inline constexpr int kNearDuplicateMaxDistance = 24;

class ImagePool {
 public:
  explicit ImagePool(const ImagePoolSpec& spec);

  const std::vector<PoolImage>& benign() const { return benign_; }
  const std::vector<PoolImage>& banked() const { return banked_; }
  const std::vector<PoolImage>& nearDuplicates() const { return near_duplicates_; }
  // The hash bank (hash_match's CSV) listing every banked image by MD5 and PDQ.
  const std::string& bankCsv() const { return bank_csv_; }

 private:
  std::vector<PoolImage> benign_;
  std::vector<PoolImage> banked_;
  std::vector<PoolImage> near_duplicates_;
  std::string bank_csv_;
};

}  // namespace modstream::firehose
