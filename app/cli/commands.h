#pragma once
// The subcommands of the modstream binary. Each returns the process exit code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace modstream::cli {

struct RunOptions {
  std::string config_file;
};
int runCommand(const RunOptions& options);

struct CheckConfigOptions {
  std::string config_file;
  bool print = false;  // also print the effective config, secrets redacted
};
int checkConfigCommand(const CheckConfigOptions& options);

struct DemoOptions {
  std::string config_dir = MODSTREAM_CONFIG_DIR;
  bool verbose = false;
  // Then serve the moderator console over the demo's cases at this address until Ctrl-C
  // (empty: no console).
  std::string console_address;
};
int demoCommand(const DemoOptions& options);

struct HashOptions {
  std::vector<std::string> files;
  bool dihedral = false;
};
int hashCommand(const HashOptions& options);

struct MatchOptions {
  std::string bank_file;
  std::vector<std::string> queries;
  int max_distance = 31;
  bool dihedral = false;
};
int matchCommand(const MatchOptions& options);

struct BankOptions {
  std::string action;  // validate or stats
  std::string file;
};
int bankCommand(const BankOptions& options);

struct ReputationOptions {
  std::string action;   // get or dump
  std::string account;  // for get
  std::string config_file;
  std::string state_dir;  // read this local state instead of the changelog topic
};
int reputationCommand(const ReputationOptions& options);

struct TextRiskOptions {
  // A pipeline config whose text_risk stage is used (lexicons, URL lists, thresholds, context).
  std::string config_file = MODSTREAM_CONFIG_DIR "/demo.yaml";
  std::string lexicons;             // replaces the configured lexicons when set
  std::optional<double> threshold;  // replaces every configured threshold when set
  std::string eval_corpus;          // score this labelled corpus instead of stdin
  bool json = false;                // --eval report as JSON
  double variant_tolerance = 0.15;  // --eval: how far a variant's score may be from its plain form
  // lexicons, model-static, model-full or fused; empty: fused with the config's learned tier on,
  // else lexicons. Any but lexicons turns the learned tier on.
  std::string scorer;
  bool side_by_side = false;  // --eval: all four scorers first (turns the learned tier on)
  int obfuscate = 0;          // --eval: generated obfuscated variants per message
  uint64_t seed = 1;          // --eval: the obfuscation generator's seed
};
int textRiskCommand(const TextRiskOptions& options);

struct TailOptions {
  std::vector<std::string> topics;  // names, or takedowns / escalations / dead_letter / shadow
  std::string config_file;          // for the bootstrap servers, security settings, topic names
  bool from_beginning = false;
  bool until_end = false;  // stop at the end instead of following
  int64_t max_events = 0;  // stop after this many (0: no limit)
  bool json = false;
};
int tailCommand(const TailOptions& options);

struct WebhookOptions {
  std::string config_file;
};
int webhookCommand(const WebhookOptions& options);

struct ConsoleOptions {
  std::string config_file;
  // add-user: the users file, the name and the role; the password is read from standard input
  // (one line) so it appears in no command line or shell history.
  std::string users_file;
  std::string user;
  std::string role = "moderator";
};
int consoleCommand(const ConsoleOptions& options);
int consoleAddUserCommand(const ConsoleOptions& options);

struct ReplayOptions {
  std::string config_file;
  std::string from, to;  // epoch ms or ISO 8601 UTC
  std::string name;      // the namespace; default replay-<from>-<to>
};
int replayCommand(const ReplayOptions& options);

// Logs to stderr at `level` ("info", ...), as JSON lines (`format` "json") or plain text.
void configureLogging(const std::string& level, const std::string& format);

}  // namespace modstream::cli
