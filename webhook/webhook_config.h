#pragma once
// The webhook bridge's config (`modstream webhook --config FILE`): which topics to deliver, where,
// how to sign, how to retry. Parsed and validated at start-up; errors name the path.
//
//   kafka:
//     bootstrap_servers: "127.0.0.1:9092"
//     group_id: modstream-webhook         # the bridge's own consumer group
//     consumer_properties: {}
//     producer_properties: {}
//   topics: [takedowns, escalations]      # topic names to deliver
//   endpoint: "https://integration.example/hooks/modstream"
//   secret_file: /run/secrets/modstream-webhook   # or secret_env: MODSTREAM_WEBHOOK_SECRET
//   timeout_ms: 5000                      # per request
//   max_attempts: 8                       # then the event goes to the dead-letter topic
//   initial_backoff_ms: 200               # doubles per attempt, with jitter
//   max_backoff_ms: 30000
//   dead_letter_topic: modstream-webhook-dead-letter
//   logging: {level: info, format: json}   # json (one object per line) or text

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/config/config_reader.h"

namespace modstream {

struct WebhookConfig {
  std::string bootstrap_servers;
  std::string group_id = "modstream-webhook";
  std::map<std::string, std::string> consumer_properties;
  std::map<std::string, std::string> producer_properties;
  std::vector<std::string> topics;
  std::string endpoint;
  std::string secret;  // from secret_file or secret_env; never logged
  int timeout_ms = 5000;
  int max_attempts = 8;
  int initial_backoff_ms = 200;
  int max_backoff_ms = 30000;
  std::string dead_letter_topic = "modstream-webhook-dead-letter";
  std::string log_level = "info";
  std::string log_format = "json";
};

// Reads and validates the file; nullopt with every problem in `errors`. `environment` looks up
// environment variables (injected so tests need not change the process's environment).
std::optional<WebhookConfig> loadWebhookConfig(
    const std::string& file, ConfigErrors& errors,
    const std::function<std::optional<std::string>(const std::string&)>& environment);

}  // namespace modstream
