#pragma once
// hash_match: finds known content. Media records are hashed from their bytes (MD5, SHA-1,
// SHA-256, and PDQ after a safe decode); posts are matched on their media's client-side hashes.
// Each hit becomes a BankMatch signal; a PDQ below the quality gate is reported, never matched.
// See README.md for the config.

#include <map>
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
  // Images whose PDQ result is kept, by SHA-256 of their bytes, so reposts skip decoding and
  // hashing (pdq_cache.h); about 380 bytes each. 0 turns the cache off.
  int pdq_cache_entries = 50'000;
  ImageLimits image_limits;  // checked from the header before decoding
  // fast: JPEGs with both sides at least 1024 px decode at 1/2, 1/4 or 1/8 scale in the DCT,
  // keeping both sides at least 512 px (image_decoder.h); the PDQ of the shared reference images
  // and the firehose's image pool came out identical (load-tests/pdq-hash). exact: every pixel.
  DecodeMode image_decode = DecodeMode::kFast;
  // How often bank files are checked for changes (then reloaded and swapped in); 0 disables.
  // SIGHUP reloads at once either way.
  int reload_check_interval_ms = 5000;
  // 0..1: a reload that would leave a bank with fewer than (1 - this) of the entries it has now is
  // refused (the bank keeps its entries, the reload counts as failed), unless a file named
  // "<bank path>.allow-shrink" exists. Guards against a truncated or half-written file.
  double max_reload_shrink_share = 0.1;
};

HashMatchConfig parseHashMatchConfig(const YAML::Node& node, const std::string& path,
                                     ConfigErrors& errors);

// Entries per enabled bank, by bank name.
using BankSizes = std::map<std::string, size_t>;

// Loads the banks named in `config`; rejected bank lines are appended to `problems`, missing files
// and empty banks are config errors. With `previous` (the sizes of the banks in use), a bank that
// would shrink by more than config.max_reload_shrink_share without its ".allow-shrink" file is an
// error too. `sizes`, when given, receives the new sizes.
std::shared_ptr<const BankIndex> buildBankIndex(const HashMatchConfig& config,
                                                const std::filesystem::path& base_dir,
                                                const std::string& path, ConfigErrors& errors,
                                                std::vector<std::string>* problems,
                                                const BankSizes* previous = nullptr,
                                                BankSizes* sizes = nullptr);

StageFactoryBuilder hashMatchStageBuilder();
// The signals it needs and provides (the registry checks the chain's order with them).
SignalFlow hashMatchSignalFlow();

}  // namespace modstream
