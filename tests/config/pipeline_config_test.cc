#include "pipeline/config/pipeline_config.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "app/pipeline_app.h"
#include "stages/stage_registry.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

struct Loaded {
  std::optional<LoadedPipeline> pipeline;
  ConfigErrors errors;
};

Loaded load(const std::string& yaml) {
  Loaded loaded;
  testing::FixedClock clock(0);
  loaded.pipeline = loadPipeline(YAML::Load(yaml), MODSTREAM_SOURCE_DIR "/config", builtinStages(),
                                 clock, loaded.errors);
  return loaded;
}

bool hasError(const ConfigErrors& errors, const std::string& text) {
  for (const auto& e : errors.all()) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

constexpr const char* kMinimal = R"(
kafka: {bootstrap_servers: "127.0.0.1:9092"}
stages:
  - name: decide
)";

}  // namespace

TEST_CASE("a minimal config gets every default", "[config]") {
  auto loaded = load(kMinimal);
  INFO(loaded.errors.str());
  REQUIRE(loaded.pipeline);
  const auto& c = loaded.pipeline->config;
  CHECK(c.kafka.group_id == "modstream");
  CHECK(c.topics.posts == "posts");
  CHECK(c.topics.dead_letter == "dead-letter");
  CHECK(c.processing.worker_threads == 4);
  CHECK(c.processing.max_in_flight_bytes == 64ll << 20);
  CHECK(c.limits.max_record_bytes == 1u << 20);
  CHECK(c.logging.level == "info");
  REQUIRE(loaded.pipeline->stages.size() == 1);
  CHECK(loaded.pipeline->stages[0].name == "decide");
}

TEST_CASE("an empty config names what is required", "[config]") {
  auto loaded = load("");
  CHECK_FALSE(loaded.pipeline);
  CHECK(hasError(loaded.errors, "kafka: is required"));
  CHECK(hasError(loaded.errors, "kafka.bootstrap_servers: is required"));
  CHECK(hasError(loaded.errors, "stages: at least one stage is required"));
}

TEST_CASE("every problem is reported at once with its path", "[config]") {
  auto loaded = load(R"(
kafka:
  bootstrap_servers: "127.0.0.1:9092"
  consumer_properties: [oops]
topics:
  posts: same
  media: same
  dead_letter: ""
processing:
  worker_threads: 0
  max_in_flight_bytes: lots
  guarantee: twice_only
  colour: blue
logging: {level: chatty}
stages:
  - name: hash_match
    config:
      banks:
        - {name: a, path: does/not/exist.csv}
        - {name: a, path: banks/sample-known-content.csv, enabled: maybe}
  - name: no_such_stage
  - config: {}
  - name: decide
    config: {guardrails: {diverted_priority: P7}}
extra_top_level: 1
)");
  CHECK_FALSE(loaded.pipeline);
  INFO(loaded.errors.str());
  for (const char* expected : {
           "kafka.consumer_properties: expected a mapping",
           "topics.media: must differ from topics.posts",
           "topics.dead_letter: must not be empty",
           "processing.worker_threads: must be between 1 and 256, got 0",
           "processing.max_in_flight_bytes: expected an integer",
           "processing.guarantee: must be one of at_least_once, exactly_once",
           "processing.colour: unknown key",
           "logging.level: must be one of trace, debug, info, warn, error",
           "stages[0].config.banks[1].name: duplicate bank name 'a'",
           "stages[0].config.banks[1].enabled: expected true or false",
           // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one message, split for width
           "stages[1].name: unknown stage 'no_such_stage' (known stages: decide, hash_match, "
           "reputation, text_risk)",
           "stages[2].name: is required",
           "stages[3].config.guardrails.diverted_priority: must be P0-P3, got 'P7'",
           "extra_top_level: unknown key",
       }) {
    CHECK(hasError(loaded.errors, expected));
  }
}

TEST_CASE("a stage placed before one that provides a signal it needs is an error naming both",
          "[config]") {
  auto loaded = load(R"(
kafka: {bootstrap_servers: "x:1"}
stages:
  - name: decide
  - name: text_risk
    config: {lexicons: [lexicons]}
  - name: hash_match
    config: {banks: [{name: a, path: banks/sample-known-content.csv}]}
  - name: reputation
    config: {state_dir: never-opened}
)");
  CHECK_FALSE(loaded.pipeline);
  INFO(loaded.errors.str());
  for (const char* expected : {
           "stages[0].name: decide needs the bank_matches signal, which hash_match (stages[2]) "
           "provides only after it: put hash_match before decide",
           "stages[0].name: decide needs the text_risk signal, which text_risk (stages[1]) "
           "provides only after it: put text_risk before decide",
           "stages[0].name: decide needs the reputation signal, which reputation (stages[3]) "
           "provides only after it: put reputation before decide",
           "stages[1].name: text_risk needs the reputation signal, which reputation (stages[3]) "
           "provides only after it: put reputation before text_risk",
       }) {
    CHECK(hasError(loaded.errors, expected));
  }
  CHECK(loaded.errors.all().size() == 4);
}

TEST_CASE("stages may run without the providers of what they need, or after them", "[config]") {
  const std::map<std::string, std::string> entries = {
      {"hash_match",
       "  - {name: hash_match, config: {banks: [{name: a, path: "
       "banks/sample-known-content.csv}]}}\n"},
      {"reputation", "  - {name: reputation, config: {state_dir: never-opened}}\n"},
      {"text_risk", "  - {name: text_risk, config: {lexicons: [lexicons]}}\n"},
      {"decide", "  - {name: decide}\n"},
  };
  const auto chain = GENERATE(values<std::vector<std::string>>({
      {"text_risk", "decide"},
      {"reputation", "text_risk", "decide"},
      {"hash_match", "reputation", "text_risk", "decide"},
      {"reputation", "hash_match", "text_risk"},
  }));
  std::string yaml = "kafka: {bootstrap_servers: \"x:1\"}\nstages:\n";
  for (const auto& name : chain) yaml += entries.at(name);
  auto loaded = load(yaml);
  INFO(yaml << loaded.errors.str());
  CHECK(loaded.pipeline);
}

TEST_CASE("a bank file that does not exist is a start-up error naming the path", "[config]") {
  auto loaded = load(R"(
kafka: {bootstrap_servers: "x:1"}
stages:
  - name: hash_match
    config: {banks: [{name: a, path: nowhere.csv}]}
)");
  CHECK_FALSE(loaded.pipeline);
  CHECK(hasError(loaded.errors, "stages[0].config.banks[0].path: file not found"));
}

TEST_CASE("resume threshold must sit below the pause threshold", "[config]") {
  auto loaded = load(R"(
kafka: {bootstrap_servers: "x:1"}
processing: {max_in_flight_bytes: 1000000, resume_in_flight_bytes: 2000000}
stages: [{name: decide}]
)");
  CHECK(hasError(loaded.errors, "processing.resume_in_flight_bytes: must be below"));
}

TEST_CASE("YAML syntax errors name file and line and column", "[config]") {
  ConfigErrors errors;
  const std::string file = MODSTREAM_SOURCE_DIR "/tests/config/data/broken.yaml";
  CHECK_FALSE(parseYamlFile(file, errors));
  REQUIRE(errors.all().size() == 1);
  // yaml-cpp reports the line where it noticed the unclosed flow sequence opened on line 3.
  CHECK_THAT(errors.all()[0], Catch::StartsWith(file + ":4:"));
}
