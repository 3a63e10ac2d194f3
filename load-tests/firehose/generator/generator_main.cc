// firehose_gen: the load generator. See ../README.md.
//   firehose_gen bank --seed S --out bank.csv
//   firehose_gen produce --bootstrap B --posts-topic P --media-topic M --seed S --run-id R
//                        [--count N] [--duration-s D] [--rate R] [--warmup-topic W]
//                        --expect expected.jsonl [mix]
//   firehose_gen print --count N [mix]       the posts as JSON lines (to check them by hand)
// produce writes one JSON line per record that must cause an output ({"id", "expected", "ts"})
// and, at the end, a summary JSON object on stdout. Exit status 3 when a record was not delivered.

#include <librdkafka/rdkafka.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "load-tests/firehose/generator/firehose_mix.h"
#include "pipeline/kafka/kafka_handles.h"

namespace {

using namespace modstream;
using namespace modstream::firehose;

struct ProduceOptions {
  std::string bootstrap, posts_topic, media_topic, run_id, expect_file;
  std::string warmup_topic;  // where warmUp's one record goes; empty: no warm-up
  uint64_t count = 0;
  double duration_s = 0;
  double rate = 0;  // records per second; 0 = as fast as the client takes them
};

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err) {
    auto* failed = static_cast<std::atomic<uint64_t>*>(opaque);
    if (failed->fetch_add(1) < 5) {
      std::cerr << "firehose_gen: delivery failed: " << rd_kafka_err2str(message->err) << "\n";
    }
  }
}

// Latency is measured from the send time the generator stamps, so the producer must be ready to
// send before the first stamp: connected, the input topics' leaders known and (idempotence) its
// producer id granted. Without this the first second of every live phase measured the generator's
// own start-up (p99 600-800 ms in an isolated run of the generator), not the pipeline. One record
// to a topic the pipeline does not read proves the producer id; its delivery report is awaited.
bool warmUp(rd_kafka_t* producer, const ProduceOptions& options) {
  for (const std::string* topic : {&options.posts_topic, &options.media_topic}) {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(producer, topic->c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(producer, 0, handle, &metadata, 30000);
    if (metadata) rd_kafka_metadata_destroy(metadata);
    rd_kafka_topic_destroy(handle);
    if (err) {
      std::cerr << "firehose_gen: no metadata for " << *topic << ": " << rd_kafka_err2str(err)
                << "\n";
      return false;
    }
  }
  if (produceRecord(producer, options.warmup_topic, std::nullopt, "warm-up", {}, nullptr) ||
      rd_kafka_flush(producer, 30000)) {
    std::cerr << "firehose_gen: the warm-up record to " << options.warmup_topic
              << " was not delivered within 30 s\n";
    return false;
  }
  return true;
}

int produce(const ProduceOptions& options, const FirehoseMix& mix) {
  std::atomic<uint64_t> failed{0};
  KafkaConf conf = makeKafkaConf({{{"bootstrap.servers", options.bootstrap},
                                   {"enable.idempotence", "true"},
                                   {"acks", "all"},
                                   {"linger.ms", "5"},
                                   {"compression.type", "lz4"},
                                   {"queue.buffering.max.kbytes", "262144"}}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &onDelivery);
  rd_kafka_conf_set_opaque(conf.get(), &failed);
  KafkaHandle producer = makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  std::ofstream expect(options.expect_file);
  if (!expect) {
    std::cerr << "firehose_gen: cannot write " << options.expect_file << "\n";
    return 2;
  }
  if (!options.warmup_topic.empty() && !warmUp(producer.get(), options)) return 3;
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  uint64_t sent = 0, media = 0, expected = 0;
  while ((options.count == 0 || sent < options.count) &&
         (options.duration_s <= 0 || elapsed_s() < options.duration_s)) {
    if (options.rate > 0) {
      const double ahead_s = static_cast<double>(sent) / options.rate - elapsed_s();
      if (ahead_s > 0.001) {
        rd_kafka_poll(producer.get(), 0);
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(ahead_s, 0.05)));
        continue;
      }
    }
    const int64_t timestamp = nowMs();
    const FirehoseItem item = mix.make(sent, timestamp);
    // The record's own timestamp (CreateTime) is set by librdkafka as it is enqueued, within a
    // millisecond of `timestamp`, the send time the expectations carry.
    const std::string& topic = item.is_media ? options.media_topic : options.posts_topic;
    rd_kafka_resp_err_t err;
    while ((err = produceRecord(producer.get(), topic, item.key, item.value, item.headers,
                                nullptr)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer.get(), 10);
    }
    if (err) {
      std::cerr << "firehose_gen: cannot enqueue: " << rd_kafka_err2str(err) << "\n";
      return 3;
    }
    if (item.expected != Expected::kNothing) {
      expect << nlohmann::json{{"id", item.output_id},
                               {"expected", expectedName(item.expected)},
                               {"ts", timestamp}}
                    .dump()
             << "\n";
      ++expected;
    }
    media += item.is_media ? 1 : 0;
    ++sent;
    rd_kafka_poll(producer.get(), 0);
  }
  const double seconds = elapsed_s();
  while (rd_kafka_flush(producer.get(), 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    std::cerr << "firehose_gen: waiting for " << rd_kafka_outq_len(producer.get())
              << " records to be acknowledged\n";
  }
  std::cout << nlohmann::json{{"produced", sent},
                              {"media", media},
                              {"posts", sent - media},
                              {"expected_outputs", expected},
                              {"failed", failed.load()},
                              {"seconds", seconds},
                              {"rate", seconds > 0 ? static_cast<double>(sent) / seconds : 0.0}}
                   .dump()
            << std::endl;
  return failed.load() == 0 ? 0 : 3;
}

void addMixOptions(CLI::App& command, MixSpec& spec, uint64_t& seed, std::string& run_id) {
  command.add_option("--seed", seed, "Seed for images and records");
  command.add_option("--run-id", run_id, "Prefix of every id, so runs never collide");
  command.add_option("--media-share", spec.media_share, "Of all records: media")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--malformed-share", spec.malformed_share, "Of all records: malformed")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--violating-share", spec.violating_share, "Of posts: violating text")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--obfuscated-share", spec.obfuscated_share, "Of violating posts: disguised")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--banked-media-share", spec.banked_media_share, "Of media: banked copies")
      ->check(CLI::Range(0.0, 1.0));
  command
      .add_option("--near-duplicate-share", spec.near_duplicate_share,
                  "Of media: altered copies of banked images")
      ->check(CLI::Range(0.0, 1.0));
  command
      .add_option("--repost-share", spec.repost_share,
                  "Of media: files sent before byte for byte (the rest are distinct files)")
      ->check(CLI::Range(0.0, 1.0));
  command.add_option("--accounts", spec.accounts, "Distinct posting accounts")
      ->check(CLI::PositiveNumber);
  command.add_option("--account-namespace", spec.account_namespace,
                     "Prefix of account ids (default: the run id)");
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries this program's results (JSON); librdkafka's log lines, which kafka_handles
  // routes through spdlog's default logger, go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("firehose_gen"));
  CLI::App app{"modstream load generator: a seeded, realistic firehose with expected outputs"};
  app.require_subcommand(1);
  MixSpec spec;
  uint64_t seed = 1;
  std::string run_id = "fh";
  std::string bank_out;
  auto* bank = app.add_subcommand("bank", "Write the hash bank of this seed's banked images");
  bank->add_option("--seed", seed, "Seed for images");
  bank->add_option("--out", bank_out, "Bank CSV to write")->required();

  ProduceOptions produce_options;
  auto* produce_command = app.add_subcommand("produce", "Send the firehose to Kafka");
  addMixOptions(*produce_command, spec, seed, run_id);
  produce_command->add_option("--bootstrap", produce_options.bootstrap, "Kafka bootstrap servers")
      ->required();
  produce_command->add_option("--posts-topic", produce_options.posts_topic)->required();
  produce_command->add_option("--media-topic", produce_options.media_topic)->required();
  produce_command->add_option("--count", produce_options.count, "Records to send (0: no limit)");
  produce_command->add_option("--duration-s", produce_options.duration_s, "Stop after this long");
  produce_command->add_option("--rate", produce_options.rate, "Records per second (0: unpaced)");
  produce_command->add_option("--warmup-topic", produce_options.warmup_topic,
                              "Before the clock starts, one record here (a topic nobody reads)");
  produce_command->add_option("--expect", produce_options.expect_file, "Expected outputs (JSONL)")
      ->required();

  uint64_t print_count = 20;
  auto* print = app.add_subcommand("print", "Print records as JSON lines instead of sending them");
  addMixOptions(*print, spec, seed, run_id);
  print->add_option("--count", print_count, "Records to print");
  std::string media_dir;
  print->add_option("--media-dir", media_dir,
                    "Also write each media record's bytes here, named by media id");
  CLI11_PARSE(app, argc, argv);
  if (produce_options.count == 0 && produce_options.duration_s <= 0 && *produce_command) {
    std::cerr << "firehose_gen produce: give --count or --duration-s\n";
    return 2;
  }
  try {
    const ImagePool images(ImagePoolSpec{seed});
    if (*bank) {
      std::ofstream(bank_out) << images.bankCsv();
      return 0;
    }
    const FirehoseMix mix(spec, seed, run_id, images);
    if (*print) {
      for (uint64_t n = 0; n < print_count; ++n) {
        const FirehoseItem item = mix.make(n, nowMs());
        if (item.is_media) {
          const std::string media_id(findHeader(item.headers, "media_id").value_or("media"));
          if (!media_dir.empty()) std::ofstream(media_dir + "/" + media_id) << item.value;
          std::cout << nlohmann::json{{"media_id", media_id},
                                      {"bytes", item.value.size()},
                                      {"expected", expectedName(item.expected)}}
                           .dump()
                    << "\n";
          continue;
        }
        nlohmann::json line = nlohmann::json::parse(item.value, nullptr, false);
        if (line.is_discarded()) line = {{"unparsable", item.value}};
        line["expected"] = expectedName(item.expected);
        std::cout << line.dump() << "\n";
      }
      return 0;
    }
    return produce(produce_options, mix);
  } catch (const std::exception& error) {
    std::cerr << "firehose_gen: " << error.what() << "\n";
    return 2;
  }
}
