#include "stages/reputation/reputation_stage.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <mutex>
#include <optional>

namespace modstream {
namespace {

// Event time: when the post was written or the decision made, or when the record was produced.
int64_t eventTime(const Content& content, const InputRecord& record) {
  if (const auto* post = std::get_if<Post>(&content)) return post->created_at_ms;
  if (const auto* decision = std::get_if<ModeratorDecision>(&content)) {
    return decision->decided_at_ms;
  }
  return record.timestampMs();
}

// Appends the media hashes of confirmed decisions to a bank file (hash_match's CSV), which
// hash_match reloads when it changes. Shared by the workers.
class ConfirmedHashBank {
 public:
  explicit ConfirmedHashBank(std::filesystem::path path) : path_(std::move(path)) {}
  void append(const ModeratorDecision& decision) {
    if (path_.empty() || decision.verdict != Verdict::kConfirmed) return;
    std::lock_guard lock(mutex_);
    const bool fresh = !std::filesystem::exists(path_);
    std::ofstream out(path_, std::ios::app);
    if (fresh) out << "hash_type,value,entry_id,category,source\n";
    for (size_t i = 0; i < decision.media_hashes.size(); ++i) {
      const auto& hash = decision.media_hashes[i];
      // Case ids come from the moderation tool; quoted so that a comma cannot split the line.
      out << hashTypeName(hash.type) << "," << hash.value << ",\"case-"
          << csvEscaped(decision.case_id) << "-" << i << "\",\"" << csvEscaped(decision.category)
          << "\",moderator decision\n";
    }
    if (!out) spdlog::error("cannot append confirmed hashes to {}", path_.string());
  }

 private:
  static std::string csvEscaped(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '"') out.push_back('"');
      if (c != '\n' && c != '\r') out.push_back(c);
    }
    return out;
  }
  std::filesystem::path path_;
  std::mutex mutex_;
};

class ReputationStage final : public Stage {
 public:
  ReputationStage(std::shared_ptr<ReputationStores> stores, ReputationSettings settings,
                  std::shared_ptr<ConfirmedHashBank> confirmed_bank)
      : stores_(std::move(stores)),
        settings_(settings),
        confirmed_bank_(std::move(confirmed_bank)) {}

  // Counts the record as activity and gives the chain the account's snapshot; the strikes from
  // this record's findings wait for finish(), when every stage has added its findings.
  StageStatus process(const Content& content, const StageContext& context,
                      Signals& signals) override {
    pending_.reset();
    const auto& source = context.record.source();
    auto store = stores_->store(source.partition.value);
    if (!store) {
      // The runtime restores state before it hands out a partition's records; this is a bug.
      spdlog::error("reputation: no state for partition {}; record {}@{} not counted",
                    source.partition.value, source.topic, source.offset.value);
      return StageStatus::ok();
    }
    Pending pending{store, accountOf(content).str(), eventTime(content, context.record)};
    AccountState& state = store->account(pending.account);
    auto last = state.last_offsets.find(source.topic);
    pending.replayed = last != state.last_offsets.end() && source.offset.value <= last->second;
    if (!pending.replayed) {
      recordActivity(state, content, pending.now_ms, settings_);
      state.last_offsets[source.topic] = source.offset.value;
      if (const auto* decision = std::get_if<ModeratorDecision>(&content)) {
        confirmed_bank_->append(*decision);
      }
      expireIdle(*store, source.partition.value, pending.account, pending.now_ms, signals);
    }
    // Strikes from this record's findings count from the next record on: the snapshot that
    // decides about this record holds the account's past, not the record itself.
    signals.reputation = snapshotOf(state, pending.now_ms, settings_);
    pending_ = std::move(pending);
    return StageStatus::ok();
  }

  // Counts the record's findings (bank matches, flagged text) as strikes, stores the account and
  // publishes its state to the changelog.
  void finish(const Content& /*content*/, const StageContext& context, Signals& signals) override {
    if (!pending_) return;
    Pending pending = std::move(*pending_);
    pending_.reset();
    // The expiry sweep in process() touched other accounts only, so this one is still cached.
    AccountState& state = pending.store->account(pending.account);
    if (!pending.replayed) recordFindings(state, signals, pending.now_ms, settings_);
    const std::string value = encodeState(state);
    if (!pending.replayed) pending.store->put(pending.account, value);
    // A replayed record re-publishes the state: its first publication may never have been
    // acknowledged (the reason it is being replayed), and full states make repeats harmless.
    OutputRecord changelog{OutputTopic::kStateChangelog, pending.account, value, {}};
    changelog.partition = context.record.source().partition.value;
    changelog.changelog_topic = stores_->changelogTopic();
    signals.outputs.push_back(std::move(changelog));
  }

 private:
  // Once per day of event time per partition, accounts idle longer than expire_after_days are
  // deleted, locally and from the changelog (tombstones, published as this record's outputs).
  void expireIdle(PartitionStore& store, int32_t partition, const std::string& current,
                  int64_t now_ms, Signals& signals) {
    constexpr int64_t kSweepEveryMs = 24ll * 3600 * 1000;
    if (settings_.expire_after_days <= 0) return;
    auto [last, first_time] = last_sweep_ms_.try_emplace(partition, now_ms);
    if (!first_time && now_ms - last->second < kSweepEveryMs) return;
    last->second = now_ms;
    std::vector<std::string> idle;
    store.forEach([&](const std::string& account, const std::string& value) {
      auto state = decodeState(value);
      if (account != current && state && idleTooLong(*state, now_ms, settings_)) {
        idle.push_back(account);
      }
    });
    for (const auto& account : idle) {
      store.remove(account);
      OutputRecord tombstone{OutputTopic::kStateChangelog, account, "", {}};
      tombstone.partition = partition;
      tombstone.changelog_topic = stores_->changelogTopic();
      tombstone.tombstone = true;
      signals.outputs.push_back(std::move(tombstone));
    }
    if (!idle.empty()) {
      spdlog::info("reputation partition {}: {} idle accounts expired", partition, idle.size());
    }
  }

  std::shared_ptr<ReputationStores> stores_;
  ReputationSettings settings_;
  std::shared_ptr<ConfirmedHashBank> confirmed_bank_;
  std::map<int32_t, int64_t> last_sweep_ms_;  // event time of each partition's last sweep
  // The record between process() and finish(). A record that a later stage dead-letters never
  // reaches finish(): no strikes, no changelog record; the activity process() counted stays in
  // the cached state only.
  struct Pending {
    std::shared_ptr<PartitionStore> store;
    std::string account;
    int64_t now_ms = 0;
    bool replayed = false;
  };
  std::optional<Pending> pending_;
};

class ReputationFactory final : public StageFactory {
 public:
  ReputationFactory(std::shared_ptr<ReputationStores> stores, ReputationSettings settings,
                    std::shared_ptr<ConfirmedHashBank> confirmed_bank)
      : stores_(std::move(stores)),
        settings_(settings),
        confirmed_bank_(std::move(confirmed_bank)) {}
  std::unique_ptr<Stage> create() const override {
    return std::make_unique<ReputationStage>(stores_, settings_, confirmed_bank_);
  }
  PartitionObserver* partitionObserver() override { return stores_.get(); }

 private:
  std::shared_ptr<ReputationStores> stores_;
  ReputationSettings settings_;
  std::shared_ptr<ConfirmedHashBank> confirmed_bank_;
};

}  // namespace

ReputationConfig parseReputationConfig(const YAML::Node& node, const std::string& path,
                                       ConfigErrors& errors) {
  ReputationConfig config;
  ConfigMap map(node, path, errors);
  map.field("state_dir", config.state_dir);
  map.field("confirmed_hashes_bank", config.confirmed_hashes_bank);
  map.field("cache_accounts", config.cache_accounts, {1, 100000000});
  if (config.state_dir.empty()) errors.add(map.pathOf("state_dir"), "must not be empty");
  auto& s = config.settings;
  int half_life_days = static_cast<int>(s.strike_half_life_ms / (24 * 3600 * 1000));
  map.field("strike_half_life_days", half_life_days, {1, 3650});
  s.strike_half_life_ms = int64_t{half_life_days} * 24 * 3600 * 1000;
  map.field("confirmed_weight", s.confirmed_weight, {0.0, 100.0});
  map.field("dismissed_credit", s.dismissed_credit, {0.0, 100.0});
  map.field("trust_scale", s.trust_scale, {0.01, 1000.0});
  map.field("trust_maturity_days", s.trust_maturity_days, {1, 36500});
  map.field("expire_after_days", s.expire_after_days, {0, 36500});
  int max_recipients = static_cast<int>(s.max_recipients);
  map.field("max_recipients", max_recipients, {1, 100000});
  s.max_recipients = static_cast<size_t>(max_recipients);
  map.finish();
  return config;
}

StageFactoryBuilder reputationStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& env,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    ReputationConfig config = parseReputationConfig(node, path, errors);
    if (!env.kafka || !env.topics) {
      errors.add(path, "the reputation stage needs the pipeline's kafka and topics settings");
    }
    if (errors.all().size() != errors_before) return nullptr;
    auto stores = std::make_shared<ReputationStores>(
        env.base_dir / config.state_dir, *env.kafka, env.topics->reputation_changelog,
        env.topics->posts, static_cast<size_t>(config.cache_accounts), env.metrics);
    auto confirmed_bank = std::make_shared<ConfirmedHashBank>(
        config.confirmed_hashes_bank.empty() ? std::filesystem::path()
                                             : env.base_dir / config.confirmed_hashes_bank);
    return std::make_unique<ReputationFactory>(std::move(stores), config.settings,
                                               std::move(confirmed_bank));
  };
}

// Reads the findings only in finish(), so it needs no stage before it; adds the account snapshot.
SignalFlow reputationSignalFlow() {
  return {{}, {SignalKind::kReputation}};
}

}  // namespace modstream
