#include "console/console_config.h"

namespace modstream {

ConsoleConfig parseConsoleConfig(const YAML::Node& root, const std::filesystem::path& base_dir,
                                 ConfigErrors& errors) {
  ConsoleConfig config;
  ConfigMap map(root, "", errors);
  if (!map.has("kafka")) errors.add("kafka", "is required");
  ConfigMap kafka = map.child("kafka");
  kafka.field("bootstrap_servers", config.bootstrap_servers, /*required=*/true);
  kafka.field("consumer_properties", config.consumer_properties);
  kafka.field("producer_properties", config.producer_properties);
  kafka.finish();

  ConfigMap topics = map.child("topics");
  topics.field("posts", config.topics.posts);
  topics.field("escalations", config.topics.escalations);
  topics.field("decisions", config.topics.decisions);
  topics.field("audit", config.topics.audit);
  for (const auto& [key, name] : {std::pair{"posts", &config.topics.posts},
                                  std::pair{"escalations", &config.topics.escalations},
                                  std::pair{"decisions", &config.topics.decisions},
                                  std::pair{"audit", &config.topics.audit}}) {
    if (name->empty()) errors.add(topics.pathOf(key), "must not be empty");
  }
  if (config.topics.audit == config.topics.decisions ||
      config.topics.audit == config.topics.escalations) {
    errors.add(topics.pathOf("audit"), "must differ from the escalations and decisions topics");
  }
  topics.finish();

  map.field("listen_address", config.listen_address);
  if (config.listen_address.find(':') == std::string::npos) {
    errors.add("listen_address", "expected host:port, got '" + config.listen_address + "'");
  }
  std::string users_file;
  map.field("users_file", users_file, /*required=*/true);
  config.users_file = users_file.empty() ? std::filesystem::path() : base_dir / users_file;
  map.field("session_minutes", config.session_minutes, {1, 7 * 24 * 60});
  map.field("claim_minutes", config.claim_minutes, {1, 24 * 60});
  map.field("login_failures_per_window", config.login_failures_per_window, {1, 1000});
  map.field("login_window_seconds", config.login_window_seconds, {1, 24 * 3600});
  map.field("break_reminder_minutes", config.break_reminder_minutes, {0, 24 * 60});
  if (map.has("logging")) {
    ConfigMap logging = map.child("logging");
    logging.choice("level", config.log_level, {"trace", "debug", "info", "warn", "error"});
    logging.choice("format", config.log_format, {"json", "text"});
    logging.finish();
  }
  map.finish();
  return config;
}

std::optional<ConsoleConfig> loadConsoleConfig(const std::string& file, ConfigErrors& errors) {
  auto root = parseYamlFile(file, errors);
  if (!root) return std::nullopt;
  const size_t before = errors.all().size();
  auto config = parseConsoleConfig(*root, std::filesystem::absolute(file).parent_path(), errors);
  if (errors.all().size() != before) return std::nullopt;
  return config;
}

}  // namespace modstream
