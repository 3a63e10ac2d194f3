#pragma once
// The moderator console's config (`modstream console --config FILE`): where the cases come from,
// where decisions and the audit trail go, who may log in, and the reviewer-wellness settings.
// Parsed and validated at start-up; errors name the path.
//
//   kafka:
//     bootstrap_servers: "127.0.0.1:9092"
//     consumer_properties: {}
//     producer_properties: {}
//   topics:
//     posts: modstream-posts               # an escalated post's text, read at its offset
//     escalations: modstream-escalations   # read with isolation.level=read_committed
//     decisions: modstream-decisions       # the pipeline's decisions topic: written and read
//     audit: modstream-console-audit       # claims, views, reveals and actions: written and read
//   listen_address: "127.0.0.1:8088"
//   users_file: console-users.yaml          # relative to this file; `modstream console add-user`
//   session_minutes: 480                    # a session ends this long after login
//   claim_minutes: 15                       # a claim lapses unless renewed
//   login_failures_per_window: 5            # per user name and per address, then refused
//   login_window_seconds: 300
//   break_reminder_minutes: 50              # 0: no reminders
//   logging: {level: info, format: json}

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "pipeline/config/config_reader.h"

namespace modstream {

struct ConsoleTopics {
  std::string posts = "modstream-posts";  // only read at an escalation's offset, for its text
  std::string escalations = "modstream-escalations";
  std::string decisions = "modstream-decisions";
  std::string audit = "modstream-console-audit";
};

struct ConsoleConfig {
  std::string bootstrap_servers;
  std::map<std::string, std::string> consumer_properties;
  std::map<std::string, std::string> producer_properties;
  ConsoleTopics topics;
  std::string listen_address = "127.0.0.1:8088";
  std::filesystem::path users_file;  // absolute once loaded
  int session_minutes = 480;
  int claim_minutes = 15;
  int login_failures_per_window = 5;
  int login_window_seconds = 300;
  int break_reminder_minutes = 50;
  std::string log_level = "info";
  std::string log_format = "json";
};

// Parses `root`; relative paths resolve against `base_dir`. Problems go to `errors`.
ConsoleConfig parseConsoleConfig(const YAML::Node& root, const std::filesystem::path& base_dir,
                                 ConfigErrors& errors);

// Reads and validates the file; nullopt with every problem in `errors`.
std::optional<ConsoleConfig> loadConsoleConfig(const std::string& file, ConfigErrors& errors);

}  // namespace modstream
