#pragma once
// hash_match: finds known content by exact cryptographic hash (MD5, SHA-1, SHA-256). Media records
// are hashed from their bytes; posts are matched on the client-side hashes of their media.
// Perceptual (PDQ) matching joins this stage with issue #3; PDQ bank entries are loaded and counted
// but not yet matched.
//
// Config (typed in HashMatchConfig):
//   banks:                       # one or more named banks
//     - name: sample-known       # required, unique; appears in every match
//       path: banks/x.csv        # required; relative to the config file's directory
//       enabled: true            # a disabled bank is loaded (validated) but never matched

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/core/stage.h"
#include "stages/hash_match/bank.h"

namespace modstream {

struct HashBankConfig {
  std::string name;
  std::string path;
  bool enabled = true;
};

struct HashMatchConfig {
  std::vector<HashBankConfig> banks;
};

// An immutable lookup table over every enabled bank, shared read-only by all worker threads.
class ExactHashIndex {
 public:
  struct Hit {
    const std::string* bank;
    const BankEntry* entry;
  };
  void add(const std::string& bank, BankEntry entry);
  // Hits for a lower-case hex value of the given type.
  std::vector<Hit> find(HashType type, const std::string& hex) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::unique_ptr<std::string>> bank_names_;
  std::vector<std::unique_ptr<BankEntry>> entries_;
  std::vector<const std::string*> entry_banks_;
  std::unordered_multimap<std::string, size_t> by_value_;  // key: "<type>:<hex>"
};

HashMatchConfig parseHashMatchConfig(const YAML::Node& node, const std::string& path,
                                     ConfigErrors& errors);

// Loads the banks named in `config`; problems in bank lines are logged and skipped, missing files
// are config errors.
std::shared_ptr<const ExactHashIndex> buildExactHashIndex(const HashMatchConfig& config,
                                                          const std::filesystem::path& base_dir,
                                                          const std::string& path,
                                                          ConfigErrors& errors,
                                                          std::vector<std::string>* problems);

StageFactoryBuilder hashMatchStageBuilder();

}  // namespace modstream
