// Records as large as users send them, on the real broker: a bad record of any size the pipeline
// can read is dead-lettered (truncated to what the dead-letter topic takes) and never stops its
// partition; a deployment sized for 10 MiB media hashes a 5 MB photo.

#include <catch2/catch.hpp>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "app/pipeline_app.h"
#include "pipeline/core/content_hash.h"
#include "pipeline/core/dead_letter.h"
#include "stages/hash_match/image_decoder.h"
#include "stages/hash_match/pdq.h"
#include "stages/stage_registry.h"
#include "tests/integration/kafka_test_env.h"

using namespace modstream;
using namespace modstream::testing;

namespace {

// A corrupt JPEG: the start-of-image marker, then seeded random bytes.
std::string corruptMedia(size_t bytes, uint32_t seed) {
  std::mt19937 random(seed);
  std::string value(bytes, '\0');
  for (auto& c : value) c = static_cast<char>(random() & 0xff);
  value.replace(0, 3, "\xff\xd8\xff");
  return value;
}

std::vector<Header> mediaHeaders(const std::string& media_id) {
  return {{"media_id", media_id}, {"account_id", "acct-1"}, {"content_type", "image/jpeg"}};
}

std::string post(const std::string& id, const std::string& text) {
  return R"({"post_id":")" + id +
         R"(","account_id":"acct-1","created_at_ms":1795000000000,"text":")" + text + "\"}";
}

// A photo-like JPEG of at least `min_bytes`: a grid of coloured tiles (edges PDQ sees, so its
// quality passes the gate) under fine noise, which JPEG cannot compress much, as in a phone photo
// of foliage.
std::string jpegOfAtLeast(size_t min_bytes) {
  for (int width = 1600;; width += 400) {
    const int height = width * 3 / 4;
    cv::Mat image(height, width, CV_8UC3);
    for (int ty = 0; ty < 12; ++ty) {
      for (int tx = 0; tx < 16; ++tx) {
        const int v = (tx * 37 + ty * 91) % 256;
        cv::rectangle(image,
                      cv::Rect(tx * width / 16, ty * height / 12, width / 16 + 1, height / 12 + 1),
                      cv::Scalar(v, 255 - v, (v * 3) % 256), cv::FILLED);
      }
    }
    cv::Mat noise(height, width, CV_8UC3);
    cv::randu(noise, 0, 96);
    image += noise;
    std::vector<uint8_t> bytes;
    cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, 97});
    if (bytes.size() >= min_bytes) return std::string(bytes.begin(), bytes.end());
  }
}

std::string pdqHex(const std::string& image_bytes) {
  auto decoded = ImageDecoder(ImageLimits{}).decode(image_bytes);
  REQUIRE(decoded.ok());
  PdqHasher hasher;
  const auto& rgb = decoded.value();
  const PdqResult result = hasher.hashRgb(rgb.pixels.data(), rgb.height, rgb.width);
  REQUIRE(result.quality >= 50);  // hash_match's default pdq_min_quality: otherwise not matched
  return result.hash.hex();
}

const TopicRecord* findBySourceOffset(const std::vector<TopicRecord>& records,
                                      const std::string& topic, int64_t offset) {
  for (const auto& r : records) {
    if (r.header(dead_letter_header::kSourceTopic) == topic &&
        r.header(dead_letter_header::kSourceOffset) == std::to_string(offset)) {
      return &r;
    }
  }
  return nullptr;
}

// A bank (one is required) that nothing sent matches.
const std::string kUnmatchedBank = "hash_type,value,entry_id,category,source\nmd5," +
                                   hexDigest(HashType::kMd5, "nothing sent matches this") +
                                   ",E-1,A,test\n";

// Lets a test producer send records up to 20 MB (librdkafka's own default is 1,000,000 bytes).
const std::map<std::string, std::string> kLargeProducer = {{"message.max.bytes", "20000000"}};

}  // namespace

TEST_CASE("a bad record of any readable size is dead-lettered within the dead-letter topic's limit",
          "[integration][limits]") {
  namespace h = dead_letter_header;
  const std::string bootstrap = brokerBootstrap();
  // The dead-letter topic takes 64 KiB per record; the media topic takes more than
  // limits.max_record_bytes (1 MiB, the default), so the pipeline sees records past that too.
  const TestTopics topics = createTestTopics(bootstrap, "oversized", 1,
                                             {{"media", {{"max.message.bytes", "2097152"}}},
                                              {"dead_letter", {{"max.message.bytes", "65536"}}}});
  const auto dir = makeTempDir("oversized");
  const auto config = writeConfig(dir, bootstrap, topics, kUnmatchedBank);

  // (size, expected class): one that fits whole, one just past the dead-letter topic's limit,
  // the 1,040,000-byte upload of the original report, and one at and one past max_record_bytes.
  const std::vector<std::pair<size_t, std::string>> bad = {{1000, "corrupt_image"},
                                                           {65536, "corrupt_image"},
                                                           {1040000, "corrupt_image"},
                                                           {1048576, "corrupt_image"},
                                                           {1048577, "record_too_large"}};
  std::vector<BatchRecord> records;
  std::vector<std::string> values;
  for (size_t i = 0; i < bad.size(); ++i) {
    records.push_back({topics.posts, "acct-1", post("before-" + std::to_string(i), "hello"), {}});
    values.push_back(corruptMedia(bad[i].first, static_cast<uint32_t>(i)));
    records.push_back(
        {topics.media, "acct-1", values.back(), mediaHeaders("m-" + std::to_string(i))});
  }
  records.push_back({topics.posts, "acct-1", post("threat", "I will kill you"), {}});
  produceBatch(bootstrap, kLargeProducer, records);

  runUntil(
      config, [&](const RuntimeStats& s) { return s.processed >= records.size(); }, 90000);

  const auto dead_letters = readWholeTopic(bootstrap, {}, topics.dead_letter);
  REQUIRE(dead_letters.size() == bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    INFO("bad record " << i << " of " << bad[i].first << " bytes");
    const TopicRecord* dl = findBySourceOffset(dead_letters, topics.media, static_cast<int64_t>(i));
    REQUIRE(dl);
    CHECK(dl->header(h::kErrorClass) == bad[i].second);
    CHECK(dl->key == "acct-1");
    OutputRecord as_sent{OutputTopic::kDeadLetter, dl->key, dl->value, dl->headers};
    CHECK(recordBatchBytes(as_sent) <= 65536);
    if (bad[i].first == 1000) {
      CHECK(dl->value == values[i]);
      CHECK_FALSE(dl->header(h::kValueTruncated));
      CHECK(dl->header("media_id") == "m-" + std::to_string(i));
    } else {
      CHECK(dl->header(h::kValueTruncated) == "true");
      CHECK(dl->header(h::kValueOriginalBytes) == std::to_string(bad[i].first));
      CHECK(dl->header(h::kValueSha256) == hexDigest(HashType::kSha256, values[i]));
      CHECK(values[i].starts_with(dl->value));
      CHECK(dl->value.size() > 60000);  // as much of the value as fits
    }
  }
  // The partition moved past every bad record: the last post was scored and escalated.
  const auto escalations = readWholeTopic(bootstrap, {}, topics.escalations);
  REQUIRE(escalations.size() == 1);
  CHECK(jsonField(escalations[0], "/content_ids/post_id") == "threat");
}

TEST_CASE("a dead-letter topic too small for a dead letter's headers is a start-up error",
          "[integration][limits]") {
  const std::string bootstrap = brokerBootstrap();
  const TestTopics topics = createTestTopics(bootstrap, "tiny-dlq", 1,
                                             {{"dead_letter", {{"max.message.bytes", "4096"}}}});
  const auto dir = makeTempDir("tiny-dlq");
  const auto config = writeConfig(dir, bootstrap, topics, kUnmatchedBank);
  ConfigErrors errors;
  SystemClock clock;
  auto pipeline = loadPipelineFile(config.string(), builtinStages(), clock, errors);
  REQUIRE(pipeline);
  PipelineMetrics metrics(std::make_shared<prometheus::Registry>());
  CHECK_THROWS_WITH(makeRuntime(*pipeline, clock, metrics),
                    Catch::Contains("dead-letter topic '" + topics.dead_letter +
                                    "' takes records of at most 4096 bytes"));
}

TEST_CASE("a deployment for 10 MiB media hashes a 5 MB photo and dead-letters a 5 MB corrupt file",
          "[integration][limits]") {
  namespace h = dead_letter_header;
  const std::string bootstrap = brokerBootstrap();
  // As docs/large-media.md describes: both topics take 10 MiB plus headers.
  const std::map<std::string, std::string> ten_mib = {{"max.message.bytes", "10551296"}};
  const TestTopics topics =
      createTestTopics(bootstrap, "large-media", 1, {{"media", ten_mib}, {"dead_letter", ten_mib}});
  const auto dir = makeTempDir("large-media");

  const std::string photo = jpegOfAtLeast(5000000);
  const std::string corrupt = corruptMedia(5000000, 42);
  const auto config = writeConfig(
      dir, bootstrap, topics,
      "hash_type,value,entry_id,category,source\npdq," + pdqHex(photo) + ",E-5MB,A,test\n");
  std::ofstream(config, std::ios::app) << "limits: {max_record_bytes: 10485760}\n";

  const std::vector<BatchRecord> records = {
      {topics.media, "acct-1", photo, mediaHeaders("photo-5mb")},
      {topics.media, "acct-1", corrupt, mediaHeaders("corrupt-5mb")},
      {topics.posts, "acct-1", post("after", "hello"), {}}};
  produceBatch(bootstrap, kLargeProducer, records);
  runUntil(
      config, [&](const RuntimeStats& s) { return s.processed >= records.size(); }, 90000);

  const auto takedowns = readWholeTopic(bootstrap, {}, topics.takedowns);
  const auto dead_letters = readWholeTopic(bootstrap, {}, topics.dead_letter);
  for (const auto& dl : dead_letters) {
    INFO("dead letter: " << dl.header(h::kErrorMessage).value_or("?"));
  }
  INFO(photo.size() << "-byte photo, " << dead_letters.size() << " dead letters");
  REQUIRE(takedowns.size() == 1);
  CHECK(jsonField(takedowns[0], "/content_ids/media_id") == "photo-5mb");
  CHECK(jsonField(takedowns[0], "/match/hash_type") == "pdq");

  REQUIRE(dead_letters.size() == 1);
  CHECK(dead_letters[0].header(h::kErrorClass) == "corrupt_image");
  CHECK(dead_letters[0].value == corrupt);  // whole: the topic takes it
  CHECK_FALSE(dead_letters[0].header(h::kValueTruncated));
}
