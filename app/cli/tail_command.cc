// `modstream tail TOPIC...`: follow output topics and print each event as one line a person can
// read (event_format.h), or as JSON with --json. TOPIC is a topic name or one of the config's
// output names: takedowns, escalations, dead_letter, shadow. Reads every partition without a
// consumer group (it commits nothing and disturbs no one), only committed records.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/event_format.h"
#include "app/cli/signal_pipe.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"

namespace modstream::cli {
namespace {

std::string resolveTopic(const std::string& name, const TopicsConfig& topics) {
  const std::map<std::string, std::string> outputs = {{"takedowns", topics.takedowns},
                                                      {"escalations", topics.escalations},
                                                      {"dead_letter", topics.dead_letter},
                                                      {"dead-letter", topics.dead_letter},
                                                      {"shadow", topics.shadow}};
  auto it = outputs.find(name);
  return it == outputs.end() ? name : it->second;
}

std::string asJson(const TopicRecord& record) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& h : record.headers) headers[h.name] = h.value;
  nlohmann::json value = nlohmann::json::parse(record.value, nullptr, false);
  if (value.is_discarded()) value = record.value;
  return nlohmann::json{{"topic", record.topic},
                        {"partition", record.partition},
                        {"offset", record.offset},
                        {"key", record.key ? nlohmann::json(*record.key) : nlohmann::json()},
                        {"headers", headers},
                        {"value", value}}
      // ASCII only: control and bidi characters arrive as \u escapes, never raw, and bytes that
      // are not UTF-8 (a dead-lettered image) become U+FFFD instead of an exception.
      .dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

bool stopSignalled(SignalPipe& signals) {
  const int signal = signals.wait(0);
  return signal == SIGINT || signal == SIGTERM;
}

}  // namespace

int tailCommand(const TailOptions& options) {
  ConfigErrors errors;
  const auto loaded = readPipelineConfigFile(options.config_file, errors);
  if (!loaded) {
    std::cerr << "modstream tail: " << errors.str();
    return 2;
  }
  const PipelineConfig& config = *loaded;
  SignalPipe signals({SIGINT, SIGTERM});

  KafkaHandle consumer;
  PartitionList assignment(rd_kafka_topic_partition_list_new(8));
  int partitions_to_finish = 0;
  try {
    consumer = makeKafkaClient(
        RD_KAFKA_CONSUMER,
        makeKafkaConf({{{"bootstrap.servers", config.kafka.bootstrap_servers},
                        {"group.id", "modstream-tail"},  // required by the API; never joined
                        {"enable.auto.commit", "false"},
                        {"isolation.level", "read_committed"},
                        {"enable.partition.eof", "true"}},
                       config.kafka.consumer_properties}));
    for (const auto& name : options.topics) {
      const std::string topic = resolveTopic(name, config.topics);
      const int partitions = topicPartitionCount(config.kafka.bootstrap_servers,
                                                 config.kafka.consumer_properties, topic, 10000);
      for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
            options.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
        ++partitions_to_finish;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "modstream tail: " << e.what() << "\n";
    return 1;
  }
  rd_kafka_assign(consumer.get(), assignment.get());
  int64_t printed = 0;
  while (!stopSignalled(signals) && (options.max_events <= 0 || printed < options.max_events)) {
    KafkaMessage m(rd_kafka_consumer_poll(consumer.get(), 200));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (options.until_end && --partitions_to_finish == 0) break;
      continue;
    }
    if (m->err) {
      std::cerr << "modstream tail: " << rd_kafka_message_errstr(m.get()) << "\n";
      if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m->err == RD_KAFKA_RESP_ERR__FATAL) {
        return 1;
      }
      continue;
    }
    const TopicRecord record = toTopicRecord(rd_kafka_topic_name(m->rkt), m.get());
    if (options.json) {
      std::cout << asJson(record) << "\n";
    } else {
      std::cout << record.topic << "/" << record.partition << "@" << record.offset << "  "
                << describeOutput(record) << "\n";
    }
    std::cout.flush();
    ++printed;
  }
  rd_kafka_consumer_close(consumer.get());
  return 0;
}

}  // namespace modstream::cli
