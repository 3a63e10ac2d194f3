#include "stages/hash_match/hash_match_stage.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "pipeline/core/digest.h"

namespace modstream {
namespace {

std::string indexKey(HashType type, const std::string& hex) {
  return std::string(hashTypeName(type)) + ":" + hex;
}

class HashMatchStage final : public Stage {
 public:
  explicit HashMatchStage(std::shared_ptr<const ExactHashIndex> index) : index_(std::move(index)) {}

  StageStatus process(const Content& content, const StageContext& /*context*/,
                      Signals& signals) override {
    if (const auto* media = std::get_if<MediaRecord>(&content)) {
      for (auto [digest, type] : {std::pair{DigestType::kMd5, HashType::kMd5},
                                  {DigestType::kSha1, HashType::kSha1},
                                  {DigestType::kSha256, HashType::kSha256}}) {
        addHits(type, hexDigest(digest, media->bytes), media->media_id.str(), "media_bytes",
                signals);
      }
    } else if (const auto* post = std::get_if<Post>(&content)) {
      for (const auto& ref : post->media) {
        if (ref.md5) addHits(HashType::kMd5, *ref.md5, ref.media_id.str(), "client_hash", signals);
        if (ref.sha1)
          addHits(HashType::kSha1, *ref.sha1, ref.media_id.str(), "client_hash", signals);
        if (ref.sha256) {
          addHits(HashType::kSha256, *ref.sha256, ref.media_id.str(), "client_hash", signals);
        }
      }
    }
    return StageStatus::ok();
  }

 private:
  void addHits(HashType type, const std::string& hex, const std::string& content_id,
               const char* match_source, Signals& signals) const {
    for (const auto& hit : index_->find(type, hex)) {
      signals.bank_matches.push_back(BankMatch{*hit.bank, hit.entry->entry_id,
                                               std::string(hashTypeName(type)), 0,
                                               hit.entry->category, content_id, match_source});
    }
  }

  std::shared_ptr<const ExactHashIndex> index_;
};

class HashMatchFactory final : public StageFactory {
 public:
  explicit HashMatchFactory(std::shared_ptr<const ExactHashIndex> index)
      : index_(std::move(index)) {}
  std::unique_ptr<Stage> create() const override {
    return std::make_unique<HashMatchStage>(index_);
  }

 private:
  std::shared_ptr<const ExactHashIndex> index_;
};

}  // namespace

void ExactHashIndex::add(const std::string& bank, BankEntry entry) {
  if (bank_names_.empty() || *bank_names_.back() != bank) {
    bank_names_.push_back(std::make_unique<std::string>(bank));
  }
  by_value_.emplace(indexKey(entry.hash_type, entry.value), entries_.size());
  entries_.push_back(std::make_unique<BankEntry>(std::move(entry)));
  entry_banks_.push_back(bank_names_.back().get());
}

std::vector<ExactHashIndex::Hit> ExactHashIndex::find(HashType type, const std::string& hex) const {
  std::vector<Hit> hits;
  auto [begin, end] = by_value_.equal_range(indexKey(type, hex));
  for (auto it = begin; it != end; ++it) {
    hits.push_back(Hit{entry_banks_[it->second], entries_[it->second].get()});
  }
  return hits;
}

HashMatchConfig parseHashMatchConfig(const YAML::Node& node, const std::string& path,
                                     ConfigErrors& errors) {
  HashMatchConfig config;
  ConfigMap map(node, path, errors);
  auto banks = map.sequence("banks");
  if (banks.empty()) errors.add(map.pathOf("banks"), "at least one bank is required");
  std::set<std::string> names;
  for (size_t i = 0; i < banks.size(); ++i) {
    ConfigMap bank(banks[i], map.pathOf("banks") + "[" + std::to_string(i) + "]", errors);
    HashBankConfig entry;
    bank.field("name", entry.name, /*required=*/true);
    bank.field("path", entry.path, /*required=*/true);
    bank.field("enabled", entry.enabled);
    bank.finish();
    if (!entry.name.empty() && !names.insert(entry.name).second) {
      errors.add(bank.pathOf("name"), "duplicate bank name '" + entry.name + "'");
    }
    config.banks.push_back(std::move(entry));
  }
  map.finish();
  return config;
}

std::shared_ptr<const ExactHashIndex> buildExactHashIndex(const HashMatchConfig& config,
                                                          const std::filesystem::path& base_dir,
                                                          const std::string& path,
                                                          ConfigErrors& errors,
                                                          std::vector<std::string>* problems) {
  auto index = std::make_shared<ExactHashIndex>();
  for (size_t i = 0; i < config.banks.size(); ++i) {
    const auto& bank = config.banks[i];
    const std::filesystem::path file = base_dir / bank.path;
    const std::string where = path + ".banks[" + std::to_string(i) + "].path";
    if (!std::filesystem::is_regular_file(file)) {
      errors.add(where, "file not found: " + file.string());
      continue;
    }
    BankLoad load = loadBankFile(file.string());
    if (load.entries.empty()) {
      errors.add(where, "bank '" + bank.name + "' has no valid entries in " + file.string());
    }
    if (problems) problems->insert(problems->end(), load.problems.begin(), load.problems.end());
    size_t exact = 0;
    if (bank.enabled) {
      for (auto& entry : load.entries) {
        if (entry.hash_type == HashType::kPdq) continue;
        index->add(bank.name, std::move(entry));
        ++exact;
      }
    }
    spdlog::info("bank {}: {} entries loaded, {} exact hashes indexed, {} lines rejected{}",
                 bank.name, load.entries.size(), exact, load.problems.size(),
                 bank.enabled ? "" : " (disabled)");
  }
  return index;
}

StageFactoryBuilder hashMatchStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& env,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    HashMatchConfig config = parseHashMatchConfig(node, path, errors);
    if (errors.all().size() != errors_before) return nullptr;
    std::vector<std::string> problems;
    auto index = buildExactHashIndex(config, env.base_dir, path, errors, &problems);
    for (const auto& problem : problems) spdlog::warn("bank line rejected: {}", problem);
    if (errors.all().size() != errors_before) return nullptr;
    return std::make_unique<HashMatchFactory>(std::move(index));
  };
}

}  // namespace modstream
