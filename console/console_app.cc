#include "console/console_app.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <stdexcept>

#include "console/audit.h"

namespace modstream {

ConsoleApp::ConsoleApp(ConsoleConfig config, std::filesystem::path web_dir, const Clock& clock)
    : config_(std::move(config)) {
  ConfigErrors errors;
  auto users = UserDirectory::load(config_.users_file, errors);
  if (!users) throw std::runtime_error("console users: " + errors.str());
  if (users->all().empty()) {
    spdlog::warn("console: {} has no users; add one with `modstream console add-user`",
                 config_.users_file.string());
  }
  users_ = std::move(*users);
  checkClusterReachable(config_.bootstrap_servers, config_.consumer_properties, 15000);
  // The audit topic's single partition is the one order of claims for every console.
  // Created only when missing: librdkafka's mock cluster (the demo) answers no CreateTopics.
  try {
    topicPartitionCount(config_.bootstrap_servers, config_.consumer_properties,
                        config_.topics.audit, 5000);
  } catch (const KafkaSetupError&) {
    createTopics(config_.bootstrap_servers, config_.producer_properties,
                 {TopicSpec{config_.topics.audit, 1, {}}});
  }
  writer_ = std::make_unique<RecordWriter>(config_.bootstrap_servers, config_.producer_properties);
  reader_ = std::make_unique<RecordReader>(config_.bootstrap_servers, config_.consumer_properties);
  follower_ = std::make_unique<TopicFollower>(
      config_.bootstrap_servers, config_.consumer_properties,
      std::vector<std::string>{config_.topics.escalations, config_.topics.decisions,
                               config_.topics.audit},
      [this](const TopicRecord& record) { apply(record); });
  server_ = std::make_unique<ConsoleServer>(ConsoleParts{
      config_, queue_, users_, *writer_, *follower_, *reader_, clock, std::move(web_dir)});
}

ConsoleApp::~ConsoleApp() {
  server_.reset();  // no request may reach the clients below once they go
  follower_.reset();
}

void ConsoleApp::apply(const TopicRecord& record) {
  if (record.tombstone) return;
  const auto value = nlohmann::json::parse(record.value, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    spdlog::warn("console: {}/{}@{} is not JSON; skipped", record.topic, record.partition,
                 record.offset);
    return;
  }
  if (record.topic == config_.topics.escalations) {
    queue_.addEscalation(value);
  } else if (record.topic == config_.topics.decisions) {
    queue_.addDecision(value);
  } else if (record.topic == config_.topics.audit) {
    applyAudit(value, queue_);
  }
}

std::filesystem::path consoleWebDir() {
  // Read at start-up, before any thread that could change the environment.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* dir = std::getenv("MODSTREAM_CONSOLE_WEB_DIR")) return dir;
  std::filesystem::path installed = "/usr/share/modstream/console";
  if (std::filesystem::exists(installed / "index.html")) return installed;
  return MODSTREAM_CONSOLE_SOURCE_WEB_DIR;
}

}  // namespace modstream
