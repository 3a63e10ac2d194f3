#pragma once
// The console as one object: the case queue rebuilt from the topics, the users, the Kafka clients
// and the web server, wired together. `modstream console` and the demo build it.

#include <filesystem>
#include <memory>

#include "console/case_queue.h"
#include "console/console_config.h"
#include "console/console_kafka.h"
#include "console/console_server.h"
#include "console/users.h"
#include "pipeline/core/clock.h"

namespace modstream {

class ConsoleApp {
 public:
  // Reads the users file and starts following the topics and serving. Throws std::runtime_error
  // (KafkaSetupError for the cluster) with what is wrong.
  ConsoleApp(ConsoleConfig config, std::filesystem::path web_dir, const Clock& clock);
  ~ConsoleApp();
  ConsoleApp(const ConsoleApp&) = delete;
  ConsoleApp& operator=(const ConsoleApp&) = delete;

  int port() const { return server_->port(); }
  bool caughtUp() const { return follower_->caughtUp(); }
  const CaseQueue& queue() const { return queue_; }

 private:
  void apply(const TopicRecord& record);

  ConsoleConfig config_;
  CaseQueue queue_;
  UserDirectory users_;
  std::unique_ptr<RecordWriter> writer_;
  std::unique_ptr<RecordReader> reader_;
  std::unique_ptr<TopicFollower> follower_;
  std::unique_ptr<ConsoleServer> server_;  // last: serves what the others hold
};

// Where the console's page lives: $MODSTREAM_CONSOLE_WEB_DIR, else the installed copy, else the
// source tree this binary was built from.
std::filesystem::path consoleWebDir();

}  // namespace modstream
