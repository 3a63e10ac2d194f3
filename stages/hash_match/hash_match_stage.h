#pragma once
// hash_match: finds known content. Media records are hashed from their bytes (MD5, SHA-1,
// SHA-256, and PDQ after a safe decode); posts are matched on their media's client-side hashes.
// Each hit becomes a BankMatch signal; a PDQ below the quality gate is reported, never matched.
// See README.md for the config.

#include <memory>
#include <string>
#include <vector>

#include "pipeline/core/stage.h"
#include "stages/hash_match/bank_index.h"
#include "stages/hash_match/image_decoder.h"

namespace modstream {

struct HashBankConfig {
  std::string name;
  std::string path;
  bool enabled = true;
  int pdq_max_distance = 31;  // 0..128: PDQ matches at or below this Hamming distance
  bool allowlist = false;     // known false positives: a match here suppresses the others
};

struct HashMatchConfig {
  std::vector<HashBankConfig> banks;
  int pdq_min_quality = 50;   // 0..100: images below this are reported, not matched
  bool pdq_dihedral = false;  // also query the 7 rotations and flips of each image
  ImageLimits image_limits;   // checked from the header before decoding
  // How often bank files are checked for changes (then reloaded and swapped in); 0 disables.
  // SIGHUP reloads at once either way.
  int reload_check_interval_ms = 5000;
};

HashMatchConfig parseHashMatchConfig(const YAML::Node& node, const std::string& path,
                                     ConfigErrors& errors);

// Loads the banks named in `config`; rejected bank lines are appended to `problems`, missing files
// and empty banks are config errors.
std::shared_ptr<const BankIndex> buildBankIndex(const HashMatchConfig& config,
                                                const std::filesystem::path& base_dir,
                                                const std::string& path, ConfigErrors& errors,
                                                std::vector<std::string>* problems);

StageFactoryBuilder hashMatchStageBuilder();

}  // namespace modstream
