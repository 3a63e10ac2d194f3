#pragma once
// reputation: keeps per-account state (stages/reputation/account_state.h) in RocksDB per input
// partition, mirrored to a compacted changelog topic, and puts the account's snapshot in
// Signals::reputation for text_risk and decide, which must come after it (the registry checks).
// It counts the chain's findings as strikes in finish(), so its place among hash_match and
// text_risk does not matter for that. See README.md.

#include <filesystem>

#include "pipeline/core/stage.h"
#include "stages/reputation/account_state.h"
#include "stages/reputation/state_store.h"

namespace modstream {

struct ReputationConfig {
  std::string state_dir = "state/reputation";  // relative to the config file
  // A hash bank file (hash_match CSV) to which the media hashes of confirmed decisions are
  // appended; hash_match reloads it when it changes. Empty: not kept.
  std::string confirmed_hashes_bank;
  // Accounts kept decoded in memory per partition (write-back cache).
  int cache_accounts = 100000;
  ReputationSettings settings;
};

ReputationConfig parseReputationConfig(const YAML::Node& node, const std::string& path,
                                       ConfigErrors& errors);

StageFactoryBuilder reputationStageBuilder();
SignalFlow reputationSignalFlow();

}  // namespace modstream
