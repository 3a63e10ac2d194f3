#pragma once
// The typed configuration of one modstream process (see config/modstream.example.yaml for a
// commented file). Every field has a default; loadPipelineConfig() validates bounds, rejects
// unknown keys and reports all problems with their paths.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "pipeline/input/record_decoder.h"

namespace modstream {

struct KafkaConfig {
  // Comma-separated host:port list of the brokers. Required.
  std::string bootstrap_servers;
  // Consumer group id; every process of one deployment shares it.
  std::string group_id = "modstream";
  // Extra librdkafka properties for the consumer, passed through as-is. The file's
  // `client_properties` (for every client: security.protocol, ssl.*, sasl.*) are merged into both
  // maps at parse time, under the specific ones.
  std::map<std::string, std::string> consumer_properties;
  // Extra librdkafka properties for the producer.
  std::map<std::string, std::string> producer_properties;
};

struct TopicsConfig {
  std::string posts = "posts";              // input: post JSON keyed by account id
  std::string media = "media";              // input: raw image bytes keyed by account id
  std::string takedowns = "takedowns";      // output: takedown events keyed by content id
  std::string escalations = "escalations";  // output: escalation events keyed by account id
  std::string dead_letter =
      "dead-letter";  // output: rejected records, original bytes + error headers
  // internal: compacted changelog of per-account reputation, one partition per input partition
  std::string reputation_changelog = "modstream-reputation-changelog";
  // internal: open escalation cases (decide), one partition per input partition; empty in the
  // config means `<kafka.group_id>.cases-changelog`, so each group (and each replay) has its own
  std::string cases_changelog;
  // input: moderator decisions keyed by account id, co-partitioned with posts; empty: none
  std::string decisions;
  // output: what shadow policy rules would have published (written only while a rule is shadow)
  std::string shadow = "modstream-shadow";
};

// at-least-once: outputs are acknowledged before offsets are committed; a crash may repeat
// outputs (with the same event ids). exactly-once: outputs, changelog writes and offsets commit in
// one Kafka transaction; read_committed consumers see each output once.
enum class Guarantee { kAtLeastOnce, kExactlyOnce };

struct ProcessingConfig {
  // Threads that run the stage chain; partitions are spread over them, each served by one.
  int worker_threads = 4;
  // Back-pressure: partitions are paused while records in flight (read, not yet committed) hold
  // more than this many bytes, and resumed when they drop below resume_in_flight_bytes.
  int64_t max_in_flight_bytes = 64ll << 20;
  int64_t resume_in_flight_bytes = 32ll << 20;
  // How often completed offsets are committed.
  int commit_interval_ms = 1000;
  // On revocation and shutdown: how long to wait for in-flight records to finish and be
  // acknowledged.
  int drain_timeout_ms = 30000;
  Guarantee guarantee = Guarantee::kAtLeastOnce;
  // exactly_once: the producer's transactional.id, unique per process and stable across its
  // restarts (a restarted process fences its predecessor's open transaction at once). Empty:
  // "<group_id>-<host name>".
  std::string transactional_id;
  // exactly_once: a transaction left open by a crashed process blocks read_committed readers of
  // its partitions until the broker aborts it after this long.
  int transaction_timeout_ms = 10000;
};

struct MetricsConfig {
  // host:port for the Prometheus scrape endpoint (/metrics); empty disables it.
  std::string listen_address = "0.0.0.0:9464";
};

struct LoggingConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "json";  // json: one object per line; text: for people at a terminal
};

// One entry of the stage chain: the stage's registered name and its own config, which the stage's
// factory parses and validates.
struct StageSpec {
  std::string name;
  YAML::Node config;
  std::string path;  // e.g. "stages[1]", for the factory's error messages
};

struct PipelineConfig {
  KafkaConfig kafka;
  TopicsConfig topics;
  ProcessingConfig processing;
  DecoderLimits limits;
  LoggingConfig logging;
  MetricsConfig metrics;
  std::vector<StageSpec> stages;
  // Relative file paths in stage configs resolve against this (the config file's directory).
  std::filesystem::path base_dir;
};

// Parses and validates `root`; problems are added to `errors` and the returned value is only
// meaningful when `errors` stays empty.
PipelineConfig parsePipelineConfig(const YAML::Node& root, const std::filesystem::path& base_dir,
                                   ConfigErrors& errors);

// Reads and validates a pipeline config file (relative paths in it resolve against its directory).
// nullopt when it is unreadable or invalid, with every problem in `errors`.
std::optional<PipelineConfig> readPipelineConfigFile(const std::string& file, ConfigErrors& errors);

// The effective config as YAML, defaults filled in, for `modstream check-config --print`. Secret
// Kafka properties (secrets.h) are shown as <redacted>, whatever their source.
std::string effectiveConfigYaml(const PipelineConfig& config);

// For tools that run one stage without the pipeline (`modstream text-risk`, `modstream
// reputation`, benchmarks): the file's pipeline config and the first stage named `stage_name`.
// nullopt when the file is invalid or has no such stage, with the reasons in `errors`.
struct StageInFile {
  PipelineConfig pipeline;  // base_dir: the file's directory
  StageSpec stage;
};
std::optional<StageInFile> readStageConfig(const std::string& file, const std::string& stage_name,
                                           ConfigErrors& errors);

}  // namespace modstream
