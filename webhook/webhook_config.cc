#include "webhook/webhook_config.h"

#include <fstream>
#include <functional>
#include <sstream>

namespace modstream {

std::optional<WebhookConfig> loadWebhookConfig(
    const std::string& file, ConfigErrors& errors,
    const std::function<std::optional<std::string>(const std::string&)>& environment) {
  const size_t before = errors.all().size();
  auto root = parseYamlFile(file, errors);
  if (!root) return std::nullopt;
  WebhookConfig config;
  ConfigMap map(*root, "", errors);
  {
    ConfigMap kafka = map.child("kafka");
    kafka.field("bootstrap_servers", config.bootstrap_servers, /*required=*/true);
    kafka.field("group_id", config.group_id);
    kafka.field("consumer_properties", config.consumer_properties);
    kafka.field("producer_properties", config.producer_properties);
    kafka.finish();
  }
  const auto topics = map.sequence("topics");
  for (size_t i = 0; i < topics.size(); ++i) {
    const std::string topic = topics[i].as<std::string>("");
    if (topic.empty()) {
      errors.add("topics[" + std::to_string(i) + "]", "must be a topic name");
    } else {
      config.topics.push_back(topic);
    }
  }
  if (topics.empty()) errors.add("topics", "name at least one topic to deliver");
  map.field("endpoint", config.endpoint, /*required=*/true);
  if (!config.endpoint.empty() && config.endpoint.rfind("http://", 0) != 0 &&
      config.endpoint.rfind("https://", 0) != 0) {
    errors.add("endpoint", "must be an http:// or https:// URL");
  }
  std::string secret_file, secret_env;
  map.field("secret_file", secret_file);
  map.field("secret_env", secret_env);
  if (secret_file.empty() == secret_env.empty()) {
    errors.add("secret_file", "give exactly one of secret_file or secret_env (the signing key)");
  } else if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    std::stringstream text;
    text << in.rdbuf();
    config.secret = text.str();
    while (!config.secret.empty() &&
           (config.secret.back() == '\n' || config.secret.back() == '\r')) {
      config.secret.pop_back();
    }
    if (!in) {
      errors.add("secret_file", "cannot read '" + secret_file + "'");
    } else if (config.secret.empty()) {
      errors.add("secret_file", "'" + secret_file + "' is empty");
    }
  } else if (auto value = environment(secret_env); !value || value->empty()) {
    errors.add("secret_env", "environment variable " + secret_env + " is not set or empty");
  } else {
    config.secret = *value;
  }
  map.field("timeout_ms", config.timeout_ms, {100, 600000});
  map.field("max_attempts", config.max_attempts, {1, 1000});
  map.field("initial_backoff_ms", config.initial_backoff_ms, {1, 600000});
  map.field("max_backoff_ms", config.max_backoff_ms, {1, 3600000});
  map.field("dead_letter_topic", config.dead_letter_topic);
  {
    ConfigMap logging = map.child("logging");
    logging.choice("level", config.log_level, {"trace", "debug", "info", "warn", "error"});
    logging.choice("format", config.log_format, {"json", "text"});
    logging.finish();
  }
  map.finish();
  if (errors.all().size() != before) return std::nullopt;
  return config;
}

}  // namespace modstream
