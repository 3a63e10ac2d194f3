// PDQ matching inside the hash_match stage: media bytes are decoded, hashed and looked up within
// each bank's threshold; low-quality images are not matched; allowlists suppress; dihedral
// queries find rotated copies.

#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "stages/hash_match/hash_match_stage.h"
#include "stages/hash_match/pdq.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

// A photo-like test image: shapes at many scales (so the DCT has structure at every frequency,
// like a photo) and a little blur, so PDQ quality is high and small edits move few bits.
cv::Mat syntheticPhoto(int seed) {
  std::mt19937 random(static_cast<unsigned>(seed));
  cv::Mat image(240, 320, CV_8UC3, cv::Scalar(120, 110, 100));
  for (int i = 0; i < 60; ++i) {
    const int radius = 4 + static_cast<int>(random() % 80);
    const cv::Point centre(static_cast<int>(random() % 320), static_cast<int>(random() % 240));
    const cv::Scalar colour(static_cast<double>(random() % 256),
                            static_cast<double>(random() % 256),
                            static_cast<double>(random() % 256));
    cv::circle(image, centre, radius, colour, cv::FILLED);
  }
  cv::GaussianBlur(image, image, {5, 5}, 1.5);
  return image;
}

std::string png(const cv::Mat& bgr) {
  std::vector<uint8_t> bytes;
  cv::imencode(".png", bgr, bytes);
  return std::string(bytes.begin(), bytes.end());
}

std::string pdqOf(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  PdqHasher hasher;
  return hasher.hashRgb(rgb.data, rgb.rows, rgb.cols).hash.hex();
}

struct Fixture {
  std::filesystem::path dir;
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  explicit Fixture(const std::string& bank_csv, const std::string& allow_csv = "") {
    dir = std::filesystem::temp_directory_path() /
          ("modstream-pdq-match-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "bank.csv") << "hash_type,value,entry_id,category,source\n" << bank_csv;
    if (!allow_csv.empty()) {
      std::ofstream(dir / "allow.csv") << "hash_type,value,entry_id,category,source\n" << allow_csv;
    }
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::unique_ptr<Stage> stage(const std::string& yaml,
                               prometheus::Registry* metrics = nullptr) const {
    ConfigErrors errors;
    testing::FixedClock clock(0);
    auto factory = hashMatchStageBuilder()(YAML::Load(yaml), "stages[0].config",
                                           StageEnvironment{dir, clock, metrics}, errors);
    INFO(errors.str());
    REQUIRE(factory);
    return factory->create();
  }
};

std::vector<BankMatch> matchMedia(Stage& stage, const std::string& bytes) {
  auto record = InputRecord::owning({"media", Partition{0}, Offset{0}}, std::nullopt, bytes);
  MediaRecord media{MediaId("m-1"), AccountId("a-1"), std::nullopt, "image/png", bytes};
  Signals signals;
  const auto status = stage.process(media, StageContext{record, 0}, signals);
  INFO((status.error ? status.error->message : ""));
  REQUIRE_FALSE(status.error);
  return signals.bank_matches;
}

}  // namespace

TEST_CASE("an edited copy of banked media matches by PDQ within the threshold", "[pdq_match]") {
  const cv::Mat original = syntheticPhoto(1);
  Fixture fixture("pdq," + pdqOf(original) + ",P-1,A,test\n");
  auto stage = fixture.stage("banks: [{name: photos, path: bank.csv}]");

  cv::Mat edited = original.clone();
  cv::rectangle(edited, {10, 10}, {60, 40}, cv::Scalar(0, 0, 0), cv::FILLED);  // a small redaction
  INFO(
      "distance " << PdqHash::fromHex(pdqOf(edited))->distance(*PdqHash::fromHex(pdqOf(original))));
  auto matches = matchMedia(*stage, png(edited));
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].bank == "photos");
  CHECK(matches[0].entry_id == "P-1");
  CHECK(matches[0].hash_type == HashType::kPdq);
  CHECK(matches[0].distance > 0);
  CHECK(matches[0].distance <= 31);
  CHECK(matches[0].match_source == MatchSource::kMediaBytes);

  CHECK(matchMedia(*stage, png(syntheticPhoto(2))).empty());  // unrelated image

  // A threshold tighter than the edit's distance rejects it.
  auto strict = fixture.stage("banks: [{name: photos, path: bank.csv, pdq_max_distance: 0}]");
  CHECK(matchMedia(*strict, png(edited)).empty());
  CHECK(matchMedia(*strict, png(original)).size() == 1);
}

TEST_CASE("flat images are below the quality gate and never matched", "[pdq_match]") {
  const cv::Mat flat(200, 200, CV_8UC3, cv::Scalar(90, 90, 90));
  Fixture fixture("pdq," + std::string(32, '0') + std::string(32, 'f') + ",FLAT,A,test\n");
  prometheus::Registry registry;
  auto gated =
      fixture.stage("banks: [{name: b, path: bank.csv, pdq_max_distance: 128}]", &registry);
  CHECK(matchMedia(*gated, png(flat)).empty());
  // Reported as such: counted as low quality, not as "no match".
  const std::string metrics = prometheus::TextSerializer().Serialize(registry.Collect());
  CHECK_THAT(metrics,
             Catch::Contains(R"(modstream_hash_match_media_total{outcome="low_quality"} 1)"));
  CHECK_THAT(metrics, Catch::Contains(R"(modstream_hash_match_media_total{outcome="no_match"} 0)"));
  auto open = fixture.stage(
      "{pdq_min_quality: 0, banks: [{name: b, path: bank.csv, pdq_max_distance: 128}]}");
  CHECK(matchMedia(*open, png(flat)).size() == 1);
}

TEST_CASE("an allowlist match suppresses every match of that content", "[pdq_match]") {
  const cv::Mat image = syntheticPhoto(3);
  const std::string hash = pdqOf(image);
  Fixture fixture("pdq," + hash + ",BAD-1,A,test\n",
                  "pdq," + hash + ",FP-1,,reviewed false positive\n");
  auto without = fixture.stage("banks: [{name: known, path: bank.csv}]");
  CHECK(matchMedia(*without, png(image)).size() == 1);
  auto with = fixture.stage(
      "banks: [{name: known, path: bank.csv}, {name: fp, path: allow.csv, allowlist: true}]");
  CHECK(matchMedia(*with, png(image)).empty());
}

TEST_CASE("dihedral queries find rotated and mirrored copies", "[pdq_match]") {
  const cv::Mat original = syntheticPhoto(4);
  Fixture fixture("pdq," + pdqOf(original) + ",ROT,A,test\n");
  cv::Mat rotated, mirrored;
  cv::rotate(original, rotated, cv::ROTATE_90_CLOCKWISE);
  cv::flip(original, mirrored, 1);
  auto plain = fixture.stage("banks: [{name: b, path: bank.csv}]");
  CHECK(matchMedia(*plain, png(rotated)).empty());
  auto dihedral = fixture.stage("{pdq_dihedral: true, banks: [{name: b, path: bank.csv}]}");
  for (const auto& copy : {rotated, mirrored}) {
    auto matches = matchMedia(*dihedral, png(copy));
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].transform != "original");
    CHECK(matches[0].distance <= 31);
  }
}

TEST_CASE("client-side PDQ hashes in posts match too", "[pdq_match]") {
  const cv::Mat image = syntheticPhoto(5);
  const std::string hash = pdqOf(image);
  Fixture fixture("pdq," + hash + ",C-1,B,test\n");
  auto stage = fixture.stage("banks: [{name: b, path: bank.csv}]");
  auto near = PdqHash::fromHex(hash).value();
  for (int k = 0; k < 20; ++k) near.words[k % 4] ^= uint64_t{1} << (k * 3);  // 20 bits off
  Post post;
  post.media.push_back(MediaRef{MediaId("m-7"), {{HashType::kPdq, near.hex()}}});
  auto record = InputRecord::owning({"posts", Partition{0}, Offset{0}}, std::nullopt, "");
  Signals signals;
  REQUIRE_FALSE(stage->process(post, StageContext{record, 0}, signals).error);
  REQUIRE(signals.bank_matches.size() == 1);
  CHECK(signals.bank_matches[0].distance == 20);
  CHECK(signals.bank_matches[0].match_source == MatchSource::kClientHash);
}

TEST_CASE("a repost is matched from the PDQ cache, with the banks in use", "[pdq_match]") {
  const cv::Mat original = syntheticPhoto(1);
  const std::string bytes = png(original);
  Fixture fixture("pdq," + pdqOf(original) + ",P-1,A,test\n");
  prometheus::Registry metrics;
  auto stage = fixture.stage("banks: [{name: photos, path: bank.csv}]", &metrics);
  const auto first = matchMedia(*stage, bytes);
  const auto again = matchMedia(*stage, bytes);  // the same file, reposted
  REQUIRE(first.size() == 1);
  REQUIRE(again.size() == 1);
  CHECK(again[0].entry_id == first[0].entry_id);
  CHECK(again[0].distance == first[0].distance);
  auto lookups = [&](const std::string& result) {
    return testing::metricTotal(metrics, "modstream_hash_match_pdq_cache_lookups_total", "result",
                                result);
  };
  CHECK(lookups("miss") == 1);
  CHECK(lookups("hit") == 1);
  CHECK(testing::metricTotal(metrics, "modstream_hash_match_media_total", "outcome", "matched") ==
        2);

  // Off: every copy is decoded and hashed again, with the same result.
  prometheus::Registry off_metrics;
  auto uncached = fixture.stage("{banks: [{name: photos, path: bank.csv}], pdq_cache_entries: 0}",
                                &off_metrics);
  CHECK(matchMedia(*uncached, bytes).size() == 1);
  CHECK(matchMedia(*uncached, bytes).size() == 1);
  CHECK(testing::metricTotal(off_metrics, "modstream_hash_match_pdq_cache_lookups_total", "result",
                             "hit") == 0);
}
