// `modstream reputation get ACCOUNT | dump`: what the pipeline knows about accounts. Reads the
// reputation changelog topic (the source of truth, readable from anywhere) or, with --state-dir,
// the local RocksDB state of a stopped process. Prints one JSON object per account: the stored
// state and its snapshot now (decayed strikes, windows, trust), with the settings of the config's
// reputation stage.

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/kafka/kafka_handles.h"
#include "pipeline/kafka/topic_io.h"
#include "stages/decide/escalation.h"
#include "stages/reputation/reputation_stage.h"

namespace modstream::cli {
namespace {

struct Loaded {
  PipelineConfig pipeline;
  ReputationConfig reputation;
};

std::optional<Loaded> load(const std::string& file) {
  ConfigErrors errors;
  std::optional<Loaded> loaded;
  if (auto found = readStageConfig(file, "reputation", errors)) {
    auto reputation = parseReputationConfig(found->stage.config, found->stage.path, errors);
    if (errors.empty()) loaded = Loaded{std::move(found->pipeline), std::move(reputation)};
  }
  if (!loaded) std::cerr << "modstream reputation: " << errors.str();
  return loaded;
}

void print(const std::string& value, const ReputationSettings& settings, int64_t now_ms) {
  auto state = decodeState(value);
  if (!state) {
    std::cout << nlohmann::json{{"error", "unreadable state"}, {"value", value}}.dump() << "\n";
    return;
  }
  std::cout << nlohmann::json{{"account_id", state->account_id},
                              {"snapshot", reputationJson(snapshotOf(*state, now_ms, settings))},
                              {"state", nlohmann::json::parse(value)}}
                   .dump()
            << "\n";
}

}  // namespace

int reputationCommand(const ReputationOptions& options) {
  const auto loaded = load(options.config_file);
  if (!loaded) return 2;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const auto wanted = [&](const std::string& account) {
    return options.action == "dump" || account == options.account;
  };
  int found = 0;
  try {
    if (!options.state_dir.empty()) {
      for (const auto& entry : std::filesystem::directory_iterator(options.state_dir)) {
        if (entry.path().filename().string().rfind("partition-", 0) != 0) continue;
        PartitionStore store(entry.path());
        store.forEach([&](const std::string& account, const std::string& value) {
          if (!wanted(account)) return;
          print(value, loaded->reputation.settings, now_ms);
          ++found;
        });
      }
    } else {
      const auto& kafka = loaded->pipeline.kafka;
      const auto latest =
          latestByKey(readWholeTopic(kafka.bootstrap_servers, kafka.consumer_properties,
                                     loaded->pipeline.topics.reputation_changelog, 120000));
      for (const auto& [account, value] : latest) {
        if (!wanted(account)) continue;
        print(value, loaded->reputation.settings, now_ms);
        ++found;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "modstream reputation: " << e.what() << "\n";
    return 2;
  }
  if (options.action == "get" && found == 0) {
    std::cerr << "modstream reputation: no state for account '" << options.account << "'\n";
    return 1;
  }
  return 0;
}

}  // namespace modstream::cli
