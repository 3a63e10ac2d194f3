// firehose_passthrough: the baseline the pipeline is measured against. A no-op consumer-producer
// with the pipeline's own client settings: the same consumer defaults (consumerDefaults()) and
// properties from the same config file, the same OutputProducer, the same at-least-once offset
// tracking and commit interval. It copies every input record (key, value, headers) to one output
// topic and does nothing else, so pipeline / passthrough isolates what the stages cost.
//
//   firehose_passthrough --config pipeline.yaml --group G --output-topic T
// Stops on SIGTERM or SIGINT after a final commit.

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include "pipeline/config/config_reader.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/kafka/kafka_group_consumer.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/output_producer.h"
#include "pipeline/runtime/kafka_clients.h"
#include "pipeline/runtime/offset_tracker.h"

namespace {

using modstream::KafkaMessage;
using modstream::OffsetTracker;
using modstream::PartitionList;

struct PartitionProgress : modstream::DeliveryListener {
  OffsetTracker tracker;
  modstream::Offset committed;
  void delivered(modstream::Offset source_offset, bool ok, const std::string& reason) override {
    if (ok) {
      tracker.acknowledge(source_offset);
    } else {
      std::cerr << "firehose_passthrough: delivery failed: " << reason << "\n";
      tracker.fail(source_offset);
    }
  }
};

using Progress = std::map<std::pair<std::string, int32_t>, std::shared_ptr<PartitionProgress>>;

void commit(rd_kafka_t* consumer, Progress& progress, bool sync) {
  PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(progress.size())));
  for (auto& [where, state] : progress) {
    if (auto next = state->tracker.committable(state->committed)) {
      rd_kafka_topic_partition_list_add(offsets.get(), where.first.c_str(), where.second)->offset =
          next->value;
      state->committed = *next;
    }
  }
  if (offsets->cnt > 0) rd_kafka_commit(consumer, offsets.get(), sync ? 0 : 1);
}

bool stopRequested(const sigset_t& signals) {
  const timespec zero{0, 0};
  const int signal = sigtimedwait(&signals, nullptr, &zero);
  return signal == SIGINT || signal == SIGTERM;
}

int run(const std::string& config_file, const std::string& group, const std::string& output) {
  modstream::ConfigErrors errors;
  const auto loaded = modstream::readPipelineConfigFile(config_file, errors);
  if (!loaded) {
    std::cerr << "firehose_passthrough: " << errors.str();
    return 2;
  }
  const modstream::PipelineConfig& config = *loaded;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  modstream::OutputProducer producer(config.kafka.bootstrap_servers,
                                     modstream::producerProperties(config),
                                     {output, output, output, output}, {});
  auto conf = modstream::makeKafkaConf(
      {modstream::consumerDefaults(),
       {{"bootstrap.servers", config.kafka.bootstrap_servers}, {"group.id", group}},
       config.kafka.consumer_properties});
  modstream::KafkaHandle consumer = modstream::makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer.get());
  PartitionList topics(rd_kafka_topic_partition_list_new(2));
  rd_kafka_topic_partition_list_add(topics.get(), config.topics.posts.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_topic_partition_list_add(topics.get(), config.topics.media.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer.get(), topics.get()); err) {
    std::cerr << "firehose_passthrough: subscribe failed: " << rd_kafka_err2str(err) << "\n";
    return 2;
  }

  Progress progress;
  const std::atomic<bool> never_stop{false};  // publish() waits out a full queue
  const auto interval = std::chrono::milliseconds(config.processing.commit_interval_ms);
  auto last_commit = std::chrono::steady_clock::now();
  while (!stopRequested(signals)) {
    KafkaMessage message(rd_kafka_consumer_poll(consumer.get(), 50));
    if (std::chrono::steady_clock::now() - last_commit >= interval) {
      commit(consumer.get(), progress, false);
      last_commit = std::chrono::steady_clock::now();
    }
    if (!message) continue;
    if (message->err) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::cerr << "firehose_passthrough: " << rd_kafka_message_errstr(message.get()) << "\n";
      }
      continue;
    }
    auto& state = progress[{rd_kafka_topic_name(message->rkt), message->partition}];
    if (!state) state = std::make_shared<PartitionProgress>();
    modstream::OutputRecord copy{
        modstream::OutputTopic::kTakedowns, std::nullopt,
        std::string(static_cast<const char*>(message->payload), message->len),
        modstream::messageHeaders(message.get())};
    if (message->key) {
      copy.key = std::string(static_cast<const char*>(message->key), message->key_len);
    }
    const modstream::Offset offset{message->offset};
    state->tracker.begin(offset);
    producer.publish(copy, state, offset, never_stop);
    state->tracker.finish(offset, 1);
  }
  producer.flush(30000);
  commit(consumer.get(), progress, true);
  rd_kafka_consumer_close(consumer.get());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries this program's results (JSON); librdkafka's log lines, which kafka_handles
  // routes through spdlog's default logger, go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("firehose_passthrough"));
  CLI::App app{"No-op consumer-producer baseline with the pipeline's client settings"};
  std::string config_file, group, output;
  app.add_option("--config", config_file, "Pipeline config (Kafka settings and input topics)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--group", group, "Consumer group id")->required();
  app.add_option("--output-topic", output, "Topic every input record is copied to")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(config_file, group, output);
  } catch (const modstream::KafkaSetupError& error) {
    std::cerr << "firehose_passthrough: " << error.what() << "\n";
    return 2;
  }
}
