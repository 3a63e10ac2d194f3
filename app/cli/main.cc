// modstream: the command-line entry point. Each subcommand lives in its own file; this one parses
// the command line (CLI11) and dispatches.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "modstream: a streaming content-moderation pipeline for trust & safety teams.\n"
      "Reads posts and media from Kafka, matches known abuse content by hash, and publishes\n"
      "takedown, escalation and dead-letter events.\n\n"
      "Start with `modstream demo` (no Kafka needed), then `modstream run --config FILE`.",
      "modstream"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("modstream ") + MODSTREAM_VERSION);

  modstream::cli::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a consumer-group member until SIGTERM/SIGINT");
  run_cmd->add_option("-c,--config", run.config_file, "Pipeline config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);

  modstream::cli::CheckConfigOptions check;
  auto* check_cmd = app.add_subcommand(
      "check-config", "Validate a config file (and every bank and stage config it names)");
  check_cmd->add_option("file", check.config_file, "Pipeline config (YAML)")->required();
  check_cmd->add_flag("--print", check.print,
                      "Print the effective config (defaults filled in, secrets redacted)");

  modstream::cli::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo",
      "Run the pipeline on a bundled sample firehose against an in-process Kafka and print what "
      "was taken down, escalated and dead-lettered");
  demo_cmd
      ->add_option("--config-dir", demo.config_dir, "Directory with demo.yaml, banks and samples")
      ->capture_default_str();
  demo_cmd->add_flag("-v,--verbose", demo.verbose, "Show the pipeline's log while it runs");
  demo_cmd
      ->add_option("--console", demo.console_address,
                   "Then serve the moderator console over the demo's cases at this address "
                   "(e.g. 127.0.0.1:8088) until Ctrl-C")
      ->expected(0, 1)
      ->default_str("127.0.0.1:8088");

  modstream::cli::HashOptions hash;
  auto* hash_cmd = app.add_subcommand(
      "hash", "Print PDQ (with quality), MD5, SHA-1 and SHA-256 of image files, one JSON per line");
  hash_cmd->add_option("files", hash.files, "Image files (JPEG, PNG, WebP, BMP)")->required();
  hash_cmd->add_flag("--dihedral", hash.dihedral,
                     "Also print the PDQ hashes of the 8 rotations and flips");

  modstream::cli::MatchOptions match;
  auto* match_cmd = app.add_subcommand(
      "match", "Match hashes, image files, or `modstream hash` output (-) against a bank");
  match_cmd->add_option("--bank", match.bank_file, "Bank file (CSV or JSON Lines)")
      ->required()
      ->check(CLI::ExistingFile);
  match_cmd
      ->add_option("queries", match.queries,
                   "HEX, md5:HEX, sha1:HEX, sha256:HEX, pdq:HEX, an image file, or - for "
                   "JSON lines on stdin")
      ->required();
  match_cmd->add_option("--max-distance", match.max_distance, "PDQ match threshold")
      ->capture_default_str()
      ->check(CLI::Range(0, 128));
  match_cmd->add_flag("--dihedral", match.dihedral,
                      "For image files, also match rotations and flips");

  modstream::cli::BankOptions bank;
  auto* bank_cmd = app.add_subcommand("bank", "Check a hash bank file");
  bank_cmd->add_option("action", bank.action, "validate: list every bad line; stats: counts")
      ->required()
      ->check(CLI::IsMember({"validate", "stats"}));
  bank_cmd->add_option("file", bank.file, "Bank file (CSV or JSON Lines)")
      ->required()
      ->check(CLI::ExistingFile);

  modstream::cli::TextRiskOptions text_risk;
  auto* text_risk_cmd = app.add_subcommand(
      "text-risk",
      "Score JSON lines from stdin ({\"text\": ..., \"context\": {...}}) for threats, grooming, "
      "sexual content aimed at minors, sextortion, harassment, self-harm and fraud; one JSON "
      "result per line with scores, flags and quoted reasons. --eval scores a labelled corpus");
  text_risk_cmd
      ->add_option("--config", text_risk.config_file,
                   "Pipeline config whose text_risk stage to use")
      ->capture_default_str()
      ->check(CLI::ExistingFile);
  text_risk_cmd
      ->add_option("--lexicons", text_risk.lexicons, "Use this lexicon file or directory instead")
      ->check(CLI::ExistingPath);
  text_risk_cmd
      ->add_option("--threshold", text_risk.threshold,
                   "Flag every category at this score instead of the configured thresholds")
      ->check(CLI::Range(0.0, 1.0));
  text_risk_cmd
      ->add_option("--eval", text_risk.eval_corpus,
                   "Labelled corpus (JSON Lines): report precision and recall per category")
      ->check(CLI::ExistingFile);
  text_risk_cmd->add_flag("--json", text_risk.json, "With --eval: the report as JSON");
  text_risk_cmd
      ->add_option("--scorer", text_risk.scorer,
                   "lexicons, model-static, model-full or fused (default: fused when the config "
                   "turns the learned tier on, else lexicons; any but lexicons turns it on)")
      ->check(CLI::IsMember({"lexicons", "model-static", "model-full", "fused"}));
  text_risk_cmd->add_flag("--side-by-side", text_risk.side_by_side,
                          "With --eval: precision and recall of lexicons only, each model tier "
                          "alone and fused, side by side (turns the learned tier on)");
  text_risk_cmd
      ->add_option(
          "--variant-tolerance", text_risk.variant_tolerance,
          "With --eval: largest score gap between an obfuscated variant and its plain form")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  text_risk_cmd
      ->add_option(
          "--obfuscate", text_risk.obfuscate,
          "With --eval: also score this many generated obfuscated variants of every "
          "message (spaced letters, leetspeak, look-alikes, zero-width characters, chat "
          "spellings, emoji, mixed case, stretched letters) and report those judged unlike "
          "their plain form")
      ->check(CLI::Range(0, 1000));
  text_risk_cmd->add_option("--seed", text_risk.seed, "With --obfuscate: the generator's seed")
      ->capture_default_str();

  modstream::cli::ReputationOptions reputation;
  auto* reputation_cmd =
      app.add_subcommand("reputation",
                         "Print accounts' reputation (state and snapshot) as JSON lines, from the "
                         "changelog topic or a stopped process's --state-dir");
  reputation_cmd->add_option("action", reputation.action, "get ACCOUNT, or dump every account")
      ->required()
      ->check(CLI::IsMember({"get", "dump"}));
  reputation_cmd->add_option("account", reputation.account, "The account id, for get");
  reputation_cmd->add_option("--config", reputation.config_file, "Pipeline config file")
      ->required()
      ->check(CLI::ExistingFile);
  reputation_cmd
      ->add_option("--state-dir", reputation.state_dir,
                   "Read this local state directory (of a stopped process) instead of Kafka")
      ->check(CLI::ExistingDirectory);

  modstream::cli::TailOptions tail;
  auto* tail_cmd = app.add_subcommand(
      "tail",
      "Print takedown, escalation, label, shadow and dead-letter events as they arrive, one line "
      "each (committed records only)");
  tail_cmd
      ->add_option("topics", tail.topics,
                   "Topic names, or takedowns, escalations, dead_letter, shadow (from the config)")
      ->required();
  tail_cmd->add_option("-c,--config", tail.config_file, "Pipeline config (for Kafka settings)")
      ->required()
      ->check(CLI::ExistingFile);
  tail_cmd->add_flag("--from-beginning", tail.from_beginning,
                     "Start at the oldest record instead of new ones");
  tail_cmd->add_flag("--until-end", tail.until_end, "Exit at the end instead of following");
  tail_cmd->add_option("-n,--max", tail.max_events, "Exit after this many events")
      ->check(CLI::NonNegativeNumber);
  tail_cmd->add_flag("--json", tail.json, "Print each record as JSON (headers and value)");
  modstream::cli::WebhookOptions webhook;
  auto* webhook_cmd = app.add_subcommand(
      "webhook",
      "Deliver takedown and escalation events to an HTTP endpoint, signed (HMAC-SHA256), with "
      "retries and a dead-letter topic, until SIGTERM/SIGINT");
  webhook_cmd->add_option("-c,--config", webhook.config_file, "Webhook bridge config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  modstream::cli::ConsoleOptions console;
  auto* console_cmd = app.add_subcommand(
      "console",
      "Serve the moderator console (queue and case pages) over the escalations, decisions and "
      "audit topics, until SIGTERM/SIGINT");
  console_cmd->add_option("-c,--config", console.config_file, "Console config (YAML)")
      ->check(CLI::ExistingFile);
  auto* add_user_cmd = console_cmd->add_subcommand(
      "add-user",
      "Add a console user (or change one's role and password); the password is read "
      "from standard input");
  add_user_cmd->add_option("--users-file", console.users_file, "The console's users file")
      ->required();
  add_user_cmd->add_option("--name", console.user, "User name ([A-Za-z0-9._-], 1-64)")->required();
  add_user_cmd->add_option("--role", console.role, "moderator, lead or admin")
      ->check(CLI::IsMember({"moderator", "lead", "admin"}));
  modstream::cli::ReplayOptions replay;
  auto* replay_cmd = app.add_subcommand(
      "replay",
      "Re-run a time range of input through the pipeline into a separate namespace (own consumer "
      "group, topics <name>.<suffix>, own state), then exit; the live group is not touched");
  replay_cmd->add_option("-c,--config", replay.config_file, "Pipeline config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  replay_cmd->add_option("--from", replay.from, "Start time: epoch ms or 2026-11-24T10:00:00Z")
      ->required();
  replay_cmd->add_option("--to", replay.to, "End time (exclusive)")->required();
  replay_cmd->add_option("--name", replay.name,
                         "Namespace suffix for the group and output topics (default "
                         "replay-FROM-TO)");
  CLI11_PARSE(app, argc, argv);
  if (*reputation_cmd && reputation.action == "get" && reputation.account.empty()) {
    std::cerr << "modstream reputation get: which account?\n";
    return 2;
  }

  if (*run_cmd) return modstream::cli::runCommand(run);
  if (*check_cmd) return modstream::cli::checkConfigCommand(check);
  if (*demo_cmd) return modstream::cli::demoCommand(demo);
  if (*hash_cmd) return modstream::cli::hashCommand(hash);
  if (*match_cmd) return modstream::cli::matchCommand(match);
  if (*bank_cmd) return modstream::cli::bankCommand(bank);
  if (*reputation_cmd) return modstream::cli::reputationCommand(reputation);
  if (*tail_cmd) return modstream::cli::tailCommand(tail);
  if (*webhook_cmd) return modstream::cli::webhookCommand(webhook);
  if (*replay_cmd) return modstream::cli::replayCommand(replay);
  if (*add_user_cmd) return modstream::cli::consoleAddUserCommand(console);
  if (*console_cmd) {
    if (console.config_file.empty()) {
      std::cerr << "modstream console: --config is required\n";
      return 2;
    }
    return modstream::cli::consoleCommand(console);
  }
  if (*text_risk_cmd) return modstream::cli::textRiskCommand(text_risk);
  return 2;
}
