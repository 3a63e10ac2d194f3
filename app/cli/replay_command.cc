// `modstream replay --config FILE --from TIME --to TIME [--name NAME]`: runs the pipeline of FILE
// over the input records with timestamps in [from, to) again (after a bank or policy update, say)
// into a separate namespace, then exits. The live deployment is not touched:
// - consumer group `<group_id>.<name>`, started at the offsets of `from`, stopping at `to`;
// - outputs to `<topic>.<name>` (takedowns, escalations, dead letter, shadow), created like the
//   live ones; reputation in its own changelog `<changelog>.<name>` and state dir `<dir>/<name>`,
//   so replayed reputation starts empty at `from`;
// - no metrics endpoint (the live process on this host may hold the port).

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/pipeline_app.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "stages/stage_registry.h"

namespace modstream::cli {
namespace {

// Epoch milliseconds, or ISO 8601 UTC ("2026-11-24T10:00:00Z", seconds optional).
std::optional<int64_t> parseTime(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit)) return std::stoll(text);
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) {
    in.clear();
    in.str(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M");
    if (in.fail()) return std::nullopt;
  }
  std::string rest;
  in >> rest;
  if (!rest.empty() && rest != "Z") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// Per partition of `topic`: the first offset whose timestamp is >= `time_ms` (the end of the
// partition when there is none).
std::map<int32_t, int64_t> offsetsAt(rd_kafka_t* consumer, const std::string& topic, int partitions,
                                     int64_t time_ms) {
  PartitionList query(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(query.get(), topic.c_str(), p)->offset = time_ms;
  }
  if (auto err = rd_kafka_offsets_for_times(consumer, query.get(), 30000); err) {
    throw KafkaSetupError("cannot look up offsets by time in " + topic + ": " +
                          rd_kafka_err2str(err));
  }
  std::map<int32_t, int64_t> offsets;
  for (int i = 0; i < query->cnt; ++i) {
    const auto& p = query->elems[i];
    int64_t offset = p.offset;
    if (offset < 0) {  // no record at or after the time: the end of the partition
      int64_t low = 0, high = 0;
      rd_kafka_query_watermark_offsets(consumer, topic.c_str(), p.partition, &low, &high, 30000);
      offset = high;
    }
    offsets[p.partition] = offset;
  }
  return offsets;
}

// Renames everything the run writes into the replay namespace.
void moveToNamespace(YAML::Node root, const PipelineConfig& live, const std::string& name) {
  root["kafka"]["group_id"] = live.kafka.group_id + "." + name;
  for (const auto& [key, topic] : {std::pair{"takedowns", live.topics.takedowns},
                                   {"escalations", live.topics.escalations},
                                   {"dead_letter", live.topics.dead_letter},
                                   {"shadow", live.topics.shadow},
                                   {"reputation_changelog", live.topics.reputation_changelog},
                                   {"cases_changelog", live.topics.cases_changelog}}) {
    root["topics"][key] = fmt::format("{}.{}", topic, name);
  }
  if (!live.processing.transactional_id.empty()) {
    root["processing"]["transactional_id"] =
        fmt::format("{}.{}", live.processing.transactional_id, name);
  }
  root["metrics"]["listen_address"] = "";
  for (auto stage : root["stages"]) {
    if (stage["name"].as<std::string>("") == "reputation") {
      const std::string dir = stage["config"]["state_dir"].as<std::string>("state/reputation");
      stage["config"]["state_dir"] = fmt::format("{}/{}", dir, name);
    }
  }
}

}  // namespace

int replayCommand(const ReplayOptions& options) {
  configureLogging("info", "json");
  const auto from = parseTime(options.from), to = parseTime(options.to);
  if (!from || !to || *from >= *to) {
    std::cerr << "modstream replay: --from and --to must be times (epoch ms or "
                 "2026-11-24T10:00:00Z) with --from before --to\n";
    return 2;
  }
  const std::string name = options.name.empty()
                               ? "replay-" + std::to_string(*from) + "-" + std::to_string(*to)
                               : options.name;
  ConfigErrors errors;
  auto root = parseYamlFile(options.config_file, errors);
  const std::filesystem::path base_dir = std::filesystem::path(options.config_file).parent_path();
  std::optional<LoadedPipeline> pipeline;
  SystemClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  if (root) {
    const PipelineConfig live = parsePipelineConfig(*root, base_dir, errors);
    if (errors.empty()) {
      moveToNamespace(*root, live, name);
      pipeline = loadPipeline(*root, base_dir, builtinStages(), clock, errors, registry.get());
    }
  }
  if (!pipeline) {
    std::cerr << "modstream replay: invalid config " << options.config_file << ":\n"
              << errors.str();
    return 2;
  }
  configureLogging(pipeline->config.logging.level, pipeline->config.logging.format);
  const auto& config = pipeline->config;
  std::map<TopicPartition, int64_t> end_offsets;
  try {
    // The namespace's outputs, partitioned like the live ones (existing ones are kept).
    const std::string suffix = "." + name;
    std::vector<TopicSpec> outputs;
    for (const auto& topic : {config.topics.takedowns, config.topics.escalations,
                              config.topics.dead_letter, config.topics.shadow}) {
      const std::string live_topic = topic.substr(0, topic.size() - suffix.size());
      int partitions = 1;
      try {
        partitions = topicPartitionCount(config.kafka.bootstrap_servers,
                                         config.kafka.consumer_properties, live_topic);
      } catch (const KafkaSetupError&) {
        // Only the shadow topic may be missing (no shadow rule yet): one partition will do.
        if (topic != config.topics.shadow) throw;
      }
      outputs.push_back({topic, partitions, {}});
    }
    createTopics(config.kafka.bootstrap_servers, config.kafka.producer_properties, outputs);

    // Start offsets, committed for the replay group before it runs; end offsets bound the run.
    KafkaHandle consumer = makeKafkaClient(
        RD_KAFKA_CONSUMER, makeKafkaConf({{{"bootstrap.servers", config.kafka.bootstrap_servers},
                                           {"group.id", config.kafka.group_id},
                                           {"enable.auto.commit", "false"}},
                                          config.kafka.consumer_properties}));
    PartitionList starts(rd_kafka_topic_partition_list_new(16));
    std::vector<std::string> inputs = {config.topics.posts, config.topics.media};
    if (!config.topics.decisions.empty()) inputs.push_back(config.topics.decisions);
    int64_t records = 0;
    for (const auto& topic : inputs) {
      const int partitions = topicPartitionCount(config.kafka.bootstrap_servers,
                                                 config.kafka.consumer_properties, topic);
      const auto begin = offsetsAt(consumer.get(), topic, partitions, *from);
      const auto end = offsetsAt(consumer.get(), topic, partitions, *to);
      for (const auto& [partition, offset] : begin) {
        rd_kafka_topic_partition_list_add(starts.get(), topic.c_str(), partition)->offset = offset;
        end_offsets[TopicPartition{topic, Partition{partition}}] =
            std::max(offset, end.at(partition));
        records += std::max<int64_t>(0, end.at(partition) - offset);
      }
    }
    if (auto err = rd_kafka_commit(consumer.get(), starts.get(), 0); err) {
      throw KafkaSetupError(std::string("cannot set the replay group's start offsets: ") +
                            rd_kafka_err2str(err));
    }
    rd_kafka_consumer_close(consumer.get());
    spdlog::info("replay {}: about {} input records from {} to {} into group {}, outputs {}", name,
                 records, options.from, options.to, config.kafka.group_id, config.topics.takedowns);
  } catch (const std::exception& e) {
    spdlog::critical("replay: {}", e.what());
    return static_cast<int>(ExitStatus::kStartupError);
  }
  PipelineMetrics metrics(registry);
  std::unique_ptr<Runtime> made;
  try {  // reads the output topics' limits from the cluster
    made = makeRuntime(*pipeline, clock, metrics);
  } catch (const std::exception& e) {
    spdlog::critical("replay: cannot start: {}", e.what());
    return static_cast<int>(ExitStatus::kStartupError);
  }
  Runtime& runtime = *made;
  runtime.setEndOffsets(std::move(end_offsets));
  const ExitStatus status = runtime.run();
  const RuntimeStats stats = runtime.stats();
  std::cout << "replay " << name << ": processed " << stats.processed << " records; outputs in "
            << config.topics.takedowns << ", " << config.topics.escalations << ", "
            << config.topics.dead_letter << "\n";
  return static_cast<int>(status);
}

}  // namespace modstream::cli
