#include "pipeline/config/pipeline_config.h"

#include "pipeline/config/secrets.h"

namespace modstream {
namespace {

void parseKafka(ConfigMap map, KafkaConfig& kafka) {
  map.field("bootstrap_servers", kafka.bootstrap_servers, /*required=*/true);
  map.field("group_id", kafka.group_id);
  if (kafka.group_id.empty()) map.errors().add(map.pathOf("group_id"), "must not be empty");
  std::map<std::string, std::string> client_properties;
  map.field("client_properties", client_properties);
  map.field("consumer_properties", kafka.consumer_properties);
  map.field("producer_properties", kafka.producer_properties);
  resolveSecretReferences(client_properties, map.pathOf("client_properties"), map.errors());
  resolveSecretReferences(kafka.consumer_properties, map.pathOf("consumer_properties"),
                          map.errors());
  resolveSecretReferences(kafka.producer_properties, map.pathOf("producer_properties"),
                          map.errors());
  // Shared settings (TLS, SASL) reach every client through the two maps every client reads; the
  // specific maps win where both name a property.
  kafka.consumer_properties.merge(std::map(client_properties));
  kafka.producer_properties.merge(client_properties);
  map.finish();
}

void parseTopics(ConfigMap map, TopicsConfig& topics) {
  for (auto [key, value] : {std::pair{"posts", &topics.posts},
                            {"media", &topics.media},
                            {"takedowns", &topics.takedowns},
                            {"escalations", &topics.escalations},
                            {"dead_letter", &topics.dead_letter},
                            {"reputation_changelog", &topics.reputation_changelog},
                            {"shadow", &topics.shadow}}) {
    map.field(key, *value);
    if (value->empty()) map.errors().add(map.pathOf(key), "must not be empty");
  }
  map.field("cases_changelog", topics.cases_changelog);
  map.field("decisions", topics.decisions);
  if (!topics.decisions.empty() &&
      (topics.decisions == topics.posts || topics.decisions == topics.media)) {
    map.errors().add(map.pathOf("decisions"), "must differ from topics.posts and topics.media");
  }
  if (topics.posts == topics.media) {
    map.errors().add(map.pathOf("media"), "must differ from topics.posts");
  }
  map.finish();
}

void parseProcessing(ConfigMap map, ProcessingConfig& processing) {
  map.field("worker_threads", processing.worker_threads, {1, 256});
  map.field("max_in_flight_bytes", processing.max_in_flight_bytes, {1 << 16, 1ll << 40});
  map.field("resume_in_flight_bytes", processing.resume_in_flight_bytes, {0, 1ll << 40});
  map.field("commit_interval_ms", processing.commit_interval_ms, {10, 600000});
  map.field("drain_timeout_ms", processing.drain_timeout_ms, {100, 600000});
  std::string guarantee = "at_least_once";
  map.choice("guarantee", guarantee, {"at_least_once", "exactly_once"});
  processing.guarantee =
      guarantee == "exactly_once" ? Guarantee::kExactlyOnce : Guarantee::kAtLeastOnce;
  map.field("transactional_id", processing.transactional_id);
  map.field("transaction_timeout_ms", processing.transaction_timeout_ms, {1000, 900000});
  if (processing.resume_in_flight_bytes >= processing.max_in_flight_bytes) {
    map.errors().add(map.pathOf("resume_in_flight_bytes"),
                     "must be below processing.max_in_flight_bytes (" +
                         std::to_string(processing.max_in_flight_bytes) + ")");
  }
  map.finish();
}

void parseLimits(ConfigMap map, DecoderLimits& limits) {
  auto sizeField = [&](const char* key, size_t& out, int64_t min, int64_t max) {
    int64_t value = static_cast<int64_t>(out);
    map.field(key, value, {min, max});
    out = static_cast<size_t>(value);
  };
  sizeField("max_record_bytes", limits.max_record_bytes, 1024, 1ll << 30);
  sizeField("max_text_bytes", limits.max_text_bytes, 16, 1ll << 30);
  sizeField("max_media_per_post", limits.max_media_per_post, 0, 10000);
  sizeField("max_json_depth", limits.max_json_depth, 2, 1024);
  map.finish();
}

}  // namespace

PipelineConfig parsePipelineConfig(const YAML::Node& root, const std::filesystem::path& base_dir,
                                   ConfigErrors& errors) {
  PipelineConfig config;
  config.base_dir = base_dir;
  ConfigMap top(root, "", errors);
  if (!top.has("kafka")) errors.add("kafka", "is required");
  parseKafka(top.child("kafka"), config.kafka);
  parseTopics(top.child("topics"), config.topics);
  if (config.topics.cases_changelog.empty()) {
    config.topics.cases_changelog = config.kafka.group_id + ".cases-changelog";
  }
  parseProcessing(top.child("processing"), config.processing);
  parseLimits(top.child("limits"), config.limits);
  ConfigMap logging = top.child("logging");
  logging.choice("level", config.logging.level, {"trace", "debug", "info", "warn", "error"});
  logging.choice("format", config.logging.format, {"json", "text"});
  logging.finish();
  ConfigMap metrics = top.child("metrics");
  metrics.field("listen_address", config.metrics.listen_address);
  if (!config.metrics.listen_address.empty() &&
      config.metrics.listen_address.find(':') == std::string::npos) {
    errors.add("metrics.listen_address",
               "expected host:port, got '" + config.metrics.listen_address + "'");
  }
  metrics.finish();

  auto stages = top.sequence("stages");
  if (stages.empty()) errors.add("stages", "at least one stage is required");
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string path = "stages[" + std::to_string(i) + "]";
    ConfigMap entry(stages[i], path, errors);
    StageSpec spec;
    spec.path = path;
    entry.field("name", spec.name, /*required=*/true);
    spec.config = entry.raw("config");
    entry.finish();
    config.stages.push_back(std::move(spec));
  }
  top.finish();
  return config;
}

std::optional<PipelineConfig> readPipelineConfigFile(const std::string& file,
                                                     ConfigErrors& errors) {
  const auto root = parseYamlFile(file, errors);
  if (!root) return std::nullopt;
  PipelineConfig config =
      parsePipelineConfig(*root, std::filesystem::absolute(file).parent_path(), errors);
  if (!errors.empty()) return std::nullopt;
  return config;
}

std::optional<StageInFile> readStageConfig(const std::string& file, const std::string& stage_name,
                                           ConfigErrors& errors) {
  StageInFile found;
  auto pipeline = readPipelineConfigFile(file, errors);
  if (!pipeline) return std::nullopt;
  found.pipeline = std::move(*pipeline);
  for (const auto& stage : found.pipeline.stages) {
    if (stage.name != stage_name) continue;
    found.stage = stage;
    return found;
  }
  errors.add(file + ": stages", "no " + stage_name + " stage is configured");
  return std::nullopt;
}

std::string effectiveConfigYaml(const PipelineConfig& config) {
  auto redacted = [](const std::map<std::string, std::string>& properties) {
    YAML::Node node(YAML::NodeType::Map);
    for (const auto& [name, value] : properties) {
      node[name] = isSecretProperty(name) ? std::string(kRedacted) : value;
    }
    return node;
  };
  YAML::Node root;
  root["kafka"]["bootstrap_servers"] = config.kafka.bootstrap_servers;
  root["kafka"]["group_id"] = config.kafka.group_id;
  root["kafka"]["consumer_properties"] = redacted(config.kafka.consumer_properties);
  root["kafka"]["producer_properties"] = redacted(config.kafka.producer_properties);
  const auto& t = config.topics;
  root["topics"]["posts"] = t.posts;
  root["topics"]["media"] = t.media;
  root["topics"]["takedowns"] = t.takedowns;
  root["topics"]["escalations"] = t.escalations;
  root["topics"]["dead_letter"] = t.dead_letter;
  root["topics"]["reputation_changelog"] = t.reputation_changelog;
  root["topics"]["cases_changelog"] = t.cases_changelog;
  root["topics"]["decisions"] = t.decisions;
  root["topics"]["shadow"] = t.shadow;
  const auto& p = config.processing;
  root["processing"]["worker_threads"] = p.worker_threads;
  root["processing"]["max_in_flight_bytes"] = p.max_in_flight_bytes;
  root["processing"]["resume_in_flight_bytes"] = p.resume_in_flight_bytes;
  root["processing"]["commit_interval_ms"] = p.commit_interval_ms;
  root["processing"]["drain_timeout_ms"] = p.drain_timeout_ms;
  root["processing"]["guarantee"] =
      p.guarantee == Guarantee::kExactlyOnce ? "exactly_once" : "at_least_once";
  root["processing"]["transactional_id"] = p.transactional_id;
  root["processing"]["transaction_timeout_ms"] = p.transaction_timeout_ms;
  root["limits"]["max_record_bytes"] = config.limits.max_record_bytes;
  root["limits"]["max_text_bytes"] = config.limits.max_text_bytes;
  root["limits"]["max_media_per_post"] = config.limits.max_media_per_post;
  root["limits"]["max_json_depth"] = config.limits.max_json_depth;
  root["logging"]["level"] = config.logging.level;
  root["logging"]["format"] = config.logging.format;
  root["metrics"]["listen_address"] = config.metrics.listen_address;
  for (const auto& stage : config.stages) {
    YAML::Node entry;
    entry["name"] = stage.name;
    if (stage.config) entry["config"] = stage.config;
    root["stages"].push_back(entry);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace modstream
