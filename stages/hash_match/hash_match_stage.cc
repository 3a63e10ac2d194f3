#include "stages/hash_match/hash_match_stage.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <set>

#include "pipeline/core/content_hash.h"
#include "pipeline/core/file_reloader.h"
#include "stages/hash_match/pdq_cache.h"

namespace modstream {
namespace {

// What happened to each media item, for operators: how often PDQ could not be used and why.
// Counters are shared by every worker's stage instance (prometheus-cpp counters are atomic).
class MediaOutcomes {
 public:
  explicit MediaOutcomes(prometheus::Registry* registry) {
    if (!registry) return;
    auto& family = prometheus::BuildCounter()
                       .Name("modstream_hash_match_media_total")
                       .Help("Media items seen by hash_match, by outcome")
                       .Register(*registry);
    for (const char* outcome : {"matched", "no_match", "low_quality", "undecodable"}) {
      counters_[outcome] = &family.Add({{"outcome", outcome}});
    }
    matches_ = &prometheus::BuildCounter()
                    .Name("modstream_bank_matches_total")
                    .Help("Matches against the hash banks, by bank and hash type")
                    .Register(*registry);
  }
  void count(const std::string& outcome) const {
    if (auto it = counters_.find(outcome); it != counters_.end()) it->second->Increment();
  }
  // Bank names come from config and hash types are a fixed set: low cardinality.
  void matched(const std::vector<BankMatch>& matches) const {
    if (!matches_) return;
    for (const auto& match : matches) {
      matches_->Add({{"bank", match.bank}, {"hash_type", std::string(matchTypeName(match))}})
          .Increment();
    }
  }

 private:
  std::map<std::string, prometheus::Counter*> counters_;
  prometheus::Family<prometheus::Counter>* matches_ = nullptr;
};

// One stage instance per worker: owns its PDQ scratch buffers.
class HashMatchStage final : public Stage {
 public:
  HashMatchStage(std::shared_ptr<const Reloadable<BankIndex>> banks, const HashMatchConfig& config,
                 std::shared_ptr<const MediaOutcomes> outcomes, std::shared_ptr<PdqCache> cache)
      : banks_(std::move(banks)),
        outcomes_(std::move(outcomes)),
        cache_(std::move(cache)),
        decoder_(config.image_limits, config.image_decode),
        min_quality_(config.pdq_min_quality),
        dihedral_(config.pdq_dihedral) {}

  StageStatus process(const Content& content, const StageContext& /*context*/,
                      Signals& signals) override {
    // Pick up reloaded banks between records: one atomic load when nothing changed.
    index_ = &banks_.refreshed();
    std::vector<BankMatch> matches;
    if (const auto* media = std::get_if<MediaRecord>(&content)) {
      std::string sha256;
      for (const HashType type : kDigestTypes) {
        std::string hex = hexDigest(type, media->bytes);
        addHits(index_->findExact(type, hex), type, 0, media->media_id.str(),
                MatchSource::kMediaBytes, "original", matches);
        if (type == HashType::kSha256) sha256 = std::move(hex);
      }
      // A repost's PDQ comes from the cache; a new image is decoded and hashed once.
      std::optional<PdqDihedralResult> pdq = cache_->find(sha256);
      if (!pdq) {
        auto image = decoder_.decode(media->bytes);
        if (!image.ok()) {
          outcomes_->count("undecodable");
          // A known file that no longer decodes is still known by its bytes' digest.
          if (matches.empty()) return StageStatus::fail(image.error());
        } else {
          pdq = hashImage(image.value());
          cache_->insert(sha256, *pdq);
        }
      }
      if (pdq) {
        const bool matched_by_pdq = matchPdq(*pdq, media->media_id.str(), matches);
        outcomes_->count(!matched_by_pdq   ? "low_quality"
                         : matches.empty() ? "no_match"
                                           : "matched");
      }
    } else if (const auto* post = std::get_if<Post>(&content)) {
      for (const auto& ref : post->media) matchClientHashes(ref, matches);
    }
    suppressAllowlisted(matches);
    outcomes_->matched(matches);
    signals.bank_matches.insert(signals.bank_matches.end(), matches.begin(), matches.end());
    return StageStatus::ok();
  }

 private:
  PdqDihedralResult hashImage(const RgbImage& image) {
    PdqDihedralResult result;
    if (dihedral_) {
      result = hasher_.hashRgbDihedral(image.pixels.data(), image.height, image.width);
    } else {
      const auto single = hasher_.hashRgb(image.pixels.data(), image.height, image.width);
      result.hashes[0] = single.hash;
      result.quality = single.quality;
    }
    return result;
  }

  // Returns false when the image is below the quality gate (then it is not matched by PDQ).
  bool matchPdq(const PdqDihedralResult& result, const std::string& media_id,
                std::vector<BankMatch>& matches) const {
    if (result.quality < min_quality_) {
      // Too featureless to match reliably: reported, never matched.
      spdlog::debug("media {}: PDQ quality {} is below {}", media_id, result.quality, min_quality_);
      return false;
    }
    const int variants = dihedral_ ? kDihedralCount : 1;
    for (int d = 0; d < variants; ++d) {
      addHits(index_->findPdq(result.hashes[d]), HashType::kPdq, -1, media_id,
              MatchSource::kMediaBytes, dihedralName(static_cast<Dihedral>(d)), matches);
    }
    return true;
  }

  void matchClientHashes(const MediaRef& ref, std::vector<BankMatch>& matches) const {
    const std::string& id = ref.media_id.str();
    for (const auto& [type, value] : ref.hashes) {
      if (isDigest(type)) {
        addHits(index_->findExact(type, value), type, 0, id, MatchSource::kClientHash, "original",
                matches);
      } else if (auto hash = PdqHash::fromHex(value)) {
        addHits(index_->findPdq(*hash), type, -1, id, MatchSource::kClientHash, "original",
                matches);
      }
    }
  }

  // distance -1: take each hit's own distance.
  static void addHits(const std::vector<BankIndex::Hit>& hits, HashType type, int distance,
                      const std::string& content_id, MatchSource source, std::string_view transform,
                      std::vector<BankMatch>& matches) {
    for (const auto& hit : hits) {
      BankMatch match{
          hit.bank->name,      hit.entry->entry_id, type,  distance < 0 ? hit.distance : distance,
          hit.entry->category, content_id,          source};
      match.transform = std::string(transform);
      match.allowlist = hit.bank->allowlist;
      matches.push_back(std::move(match));
    }
  }

  // Content that matches an allowlist bank (a known false positive) is not reported at all.
  static void suppressAllowlisted(std::vector<BankMatch>& matches) {
    std::set<std::string> allowed;
    for (const auto& m : matches) {
      if (m.allowlist) allowed.insert(m.content_id);
    }
    std::erase_if(matches, [&](const BankMatch& m) { return allowed.count(m.content_id) > 0; });
  }

  ReloadableView<BankIndex> banks_;
  std::shared_ptr<const MediaOutcomes> outcomes_;
  std::shared_ptr<PdqCache> cache_;  // shared by every worker's instance
  const BankIndex* index_ = nullptr;
  ImageDecoder decoder_;
  PdqHasher hasher_;
  int min_quality_;
  bool dihedral_;
};

class HashMatchFactory final : public StageFactory {
 public:
  HashMatchFactory(std::shared_ptr<Reloadable<BankIndex>> banks, HashMatchConfig config,
                   std::shared_ptr<const MediaOutcomes> outcomes, std::shared_ptr<PdqCache> cache)
      : banks_(std::move(banks)),
        config_(std::move(config)),
        outcomes_(std::move(outcomes)),
        cache_(std::move(cache)) {}
  std::unique_ptr<Stage> create() const override {
    return std::make_unique<HashMatchStage>(banks_, config_, outcomes_, cache_);
  }
  bool reload() override { return banks_->reload(); }
  std::vector<ErrorClass> errorClasses() const override {
    return {image_error::kUnsupported, image_error::kTooLarge, image_error::kCorrupt};
  }

 private:
  std::shared_ptr<Reloadable<BankIndex>> banks_;
  HashMatchConfig config_;
  std::shared_ptr<const MediaOutcomes> outcomes_;
  std::shared_ptr<PdqCache> cache_;
};

}  // namespace

HashMatchConfig parseHashMatchConfig(const YAML::Node& node, const std::string& path,
                                     ConfigErrors& errors) {
  HashMatchConfig config;
  ConfigMap map(node, path, errors);
  map.field("pdq_min_quality", config.pdq_min_quality, {0, 100});
  map.field("pdq_dihedral", config.pdq_dihedral);
  map.field("pdq_cache_entries", config.pdq_cache_entries, {0, 100'000'000});
  std::string decode = config.image_decode == DecodeMode::kFast ? "fast" : "exact";
  map.field("image_decode", decode);
  if (decode == "fast" || decode == "exact") {
    config.image_decode = decode == "fast" ? DecodeMode::kFast : DecodeMode::kExact;
  } else {
    errors.add(map.pathOf("image_decode"), "must be fast or exact, got '" + decode + "'");
  }
  map.field("reload_check_interval_ms", config.reload_check_interval_ms, {0, 3600000});
  map.field("max_reload_shrink_share", config.max_reload_shrink_share, {0.0, 1.0});
  ConfigMap limits = map.child("image_limits");
  limits.field("max_dimension", config.image_limits.max_dimension, {1, 1 << 20});
  limits.field("max_pixels", config.image_limits.max_pixels, {1, int64_t{1} << 40});
  limits.finish();
  auto banks = map.sequence("banks");
  if (banks.empty()) errors.add(map.pathOf("banks"), "at least one bank is required");
  std::set<std::string> names;
  for (size_t i = 0; i < banks.size(); ++i) {
    ConfigMap bank(banks[i], map.pathOf("banks") + "[" + std::to_string(i) + "]", errors);
    HashBankConfig entry;
    bank.field("name", entry.name, /*required=*/true);
    bank.field("path", entry.path, /*required=*/true);
    bank.field("enabled", entry.enabled);
    bank.field("pdq_max_distance", entry.pdq_max_distance, {0, 128});
    bank.field("allowlist", entry.allowlist);
    bank.finish();
    if (!entry.name.empty() && !names.insert(entry.name).second) {
      errors.add(bank.pathOf("name"), "duplicate bank name '" + entry.name + "'");
    }
    config.banks.push_back(std::move(entry));
  }
  map.finish();
  return config;
}

std::shared_ptr<const BankIndex> buildBankIndex(const HashMatchConfig& config,
                                                const std::filesystem::path& base_dir,
                                                const std::string& path, ConfigErrors& errors,
                                                std::vector<std::string>* problems,
                                                const BankSizes* previous, BankSizes* sizes) {
  auto index = std::make_shared<BankIndex>();
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
    spdlog::info("bank {}: {} entries loaded, {} lines rejected{}", bank.name, load.entries.size(),
                 load.problems.size(), bank.enabled ? "" : " (disabled)");
    if (const auto before = previous ? previous->find(bank.name) : BankSizes::const_iterator();
        previous && before != previous->end() && bank.enabled) {
      const size_t now = load.entries.size();
      const double kept =
          before->second ? static_cast<double>(now) / static_cast<double>(before->second) : 1.0;
      const std::filesystem::path allow = file.string() + ".allow-shrink";
      if (kept < 1.0 - config.max_reload_shrink_share) {
        if (std::filesystem::exists(allow)) {
          spdlog::warn("bank {}: shrinks from {} to {} entries, allowed by {}", bank.name,
                       before->second, now, allow.string());
        } else {
          errors.add(where, fmt::format("bank '{}' would shrink from {} to {} entries ({:.0f}% "
                                        "dropped, more than max_reload_shrink_share {}); kept "
                                        "the loaded bank. If intended, create {}",
                                        bank.name, before->second, now, 100.0 * (1.0 - kept),
                                        config.max_reload_shrink_share, allow.string()));
        }
      }
    }
    if (sizes && bank.enabled) (*sizes)[bank.name] = load.entries.size();
    if (bank.enabled) {
      index->addBank(IndexedBank{bank.name, bank.pdq_max_distance, bank.allowlist},
                     std::move(load.entries));
    }
  }
  index->finish();
  return index;
}

StageFactoryBuilder hashMatchStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& env,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    HashMatchConfig config = parseHashMatchConfig(node, path, errors);
    if (errors.all().size() != errors_before) return nullptr;
    std::vector<std::string> problems;
    // The sizes of the banks in use, for the shrink guard; only the reloader's thread (serialised
    // by FileReloader) reads and replaces them.
    auto sizes_in_use = std::make_shared<BankSizes>();
    auto index =
        buildBankIndex(config, env.base_dir, path, errors, &problems, nullptr, sizes_in_use.get());
    for (const auto& problem : problems) spdlog::warn("bank line rejected: {}", problem);
    if (errors.all().size() != errors_before) return nullptr;
    std::vector<std::filesystem::path> files;
    for (const auto& bank : config.banks) files.push_back(env.base_dir / bank.path);
    auto load = [config, base_dir = env.base_dir, path, sizes_in_use](ConfigErrors& load_errors) {
      std::vector<std::string> rejected;
      BankSizes sizes;
      auto loaded = buildBankIndex(config, base_dir, path, load_errors, &rejected,
                                   sizes_in_use.get(), &sizes);
      for (const auto& problem : rejected) spdlog::warn("bank line rejected: {}", problem);
      if (load_errors.empty()) *sizes_in_use = std::move(sizes);
      return loaded;
    };
    auto banks =
        std::make_shared<Reloadable<BankIndex>>("hash banks", std::move(files), std::move(load),
                                                std::move(index), config.reload_check_interval_ms);
    if (env.metrics) banks->attachMetrics(*env.metrics);
    auto cache =
        std::make_shared<PdqCache>(static_cast<size_t>(config.pdq_cache_entries), env.metrics);
    return std::make_unique<HashMatchFactory>(std::move(banks), std::move(config),
                                              std::make_shared<MediaOutcomes>(env.metrics),
                                              std::move(cache));
  };
}

// Reads no other stage's signals; adds the record's bank matches.
SignalFlow hashMatchSignalFlow() {
  return {{}, {SignalKind::kBankMatches}};
}

}  // namespace modstream
