#pragma once
// The stage interface. A stage looks at one decoded record and adds what it found to the record's
// Signals; the decide stage turns signals into output records. The runtime calls a chain of stages
// in config order, for each record, on the worker thread that owns the record's partition.
//
// Threading: a StageFactory is built once at start-up (validating its config) and creates one Stage
// per worker thread, so a Stage needs no locks. Factories may be shared across threads read-only.

#include <prometheus/registry.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "pipeline/core/clock.h"
#include "pipeline/core/error.h"
#include "pipeline/core/partition_observer.h"
#include "pipeline/core/record.h"
#include "pipeline/input/content.h"

namespace modstream {

// A hit of a piece of content against a hash bank.
struct BankMatch {
  std::string bank;                    // bank name from config
  std::string entry_id;                // the bank entry's id
  std::string hash_type;               // md5, sha1, sha256, pdq
  int distance = 0;                    // Hamming distance for perceptual hashes, 0 for exact
  std::string category;                // list category, e.g. A, B, C
  std::string content_id;              // the media id (or post id) that matched
  std::string match_source;            // "media_bytes" or "client_hash"
  std::string transform = "original";  // for PDQ: which rotation or flip of the image matched
  bool allowlist = false;              // from an allowlist bank (suppresses, never reported)
};

// The text-risk categories whose harm falls on a child when aimed at an account flagged as a
// minor: text_risk weighs their evidence more there and decide raises their priority.
inline bool harmsMinors(std::string_view category) {
  return category == "grooming" || category == "sextortion" || category == "sexual_minor";
}

// Why text scored in a category: a lexicon term or a listed URL, quoted from the original text, or
// the learned tier's probability with the nearest labelled example.
struct TextReason {
  std::string source;    // "lexicon", "url_list" or "model"
  std::string entry_id;  // lexicon entry id, or the URL list entry id
  std::string category;  // the harm category it counts towards
  double weight = 0;     // after quoting and reporting discounts
  bool quoted = false;
  size_t begin = 0;  // byte span in the post's text
  size_t end = 0;
  std::string quote;          // the original text of the span
  std::string list;           // for URLs: the list's name
  std::string list_category;  // for URLs: the list's own category (e.g. A, B, C)
  // For "model": the tier that scored it (static or full) and how similar the nearest labelled
  // example (entry_id) is, by cosine; `weight` is the model's probability.
  std::string model_tier = {};
  double similarity = 0;
};

struct CategoryScore {
  std::string category;
  double score = 0;  // 0..1
  double threshold = 0;
  bool flagged = false;  // score >= threshold
};

// The text_risk stage's findings for one post.
struct TextRiskSignal {
  std::vector<CategoryScore> categories;  // categories with any evidence, by name
  std::vector<TextReason> reasons;
  bool reporting = false;  // the text reads as reporting someone else's words
  bool anyFlagged() const {
    for (const auto& c : categories) {
      if (c.flagged) return true;
    }
    return false;
  }
};

// The account's reputation as the reputation stage saw it for this record: its activity including
// this record, its strikes before this record's findings. See stages/reputation/README.md.
struct ReputationSnapshot {
  double trust = 1.0;  // 0..1
  int64_t account_age_days = 0;
  std::map<std::string, double> strikes;  // decayed, by category
  int64_t confirmed_violations = 0;
  int64_t dismissed_escalations = 0;
  int64_t posts_last_hour = 0;
  int64_t posts_last_day = 0;
  int64_t direct_messages_last_day = 0;
  int64_t messages_to_minors_last_hour = 0;
  int64_t messages_to_minors_last_day = 0;
  int64_t distinct_recipients_last_hour = 0;
  int64_t distinct_recipients_last_day = 0;
};

// What the stages learned about one record; owned by the runtime for the record's lifetime.
struct Signals {
  std::vector<BankMatch> bank_matches;
  std::optional<TextRiskSignal> text_risk;
  std::optional<ReputationSnapshot> reputation;
  // Records to publish for this input record; filled by the decide stage.
  std::vector<OutputRecord> outputs;
};

// Facts about the record being processed that are not in its content.
struct StageContext {
  const InputRecord& record;
  int64_t now_ms;
};

// The outcome of one stage on one record: ok, or an error that dead-letters the record.
struct [[nodiscard]] StageStatus {
  std::optional<RecordError> error;
  static StageStatus ok() { return {}; }
  static StageStatus fail(RecordError e) { return {std::move(e)}; }
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Processes one record. Never throws; returns fail() when the record cannot be processed.
  virtual StageStatus process(const Content& content, const StageContext& context,
                              Signals& signals) = 0;
  // A worker that took several records from its queue at once tells stages that want it what they
  // will process next, in order and decoded, before process() is called for each: work that
  // batches well (text_risk's transformer) can be done here for all of them in one go. A hint
  // only: process() must give the same result without it. Never throws.
  virtual bool wantsLookAhead() const { return false; }
  virtual void lookAhead(const std::vector<const Content*>& upcoming) { (void)upcoming; }
};

class StageFactory {
 public:
  virtual ~StageFactory() = default;
  virtual std::unique_ptr<Stage> create() const = 0;
  // Re-reads whatever the stage loaded from files (banks, lexicons) and swaps it in atomically for
  // every instance; on failure the previous data stays in use. Called on SIGHUP from the signal
  // thread. Returns false when the reload failed.
  virtual bool reload() { return true; }
  // Stages that keep state per input partition are told which partitions this process owns.
  virtual PartitionObserver* partitionObserver() { return nullptr; }
};

struct KafkaConfig;
struct TopicsConfig;

// What a factory may use while it builds: where relative files live, the clock, and a registry
// for metrics of its own.
struct StageEnvironment {
  std::filesystem::path base_dir;
  const Clock& clock;
  // Where a stage registers metrics of its own (beyond the standard per-stage ones); may be null.
  prometheus::Registry* metrics;
  // The process's Kafka settings and topics, for stages that keep state in Kafka; may be null
  // (tools that build a stage without a cluster).
  const KafkaConfig* kafka = nullptr;
  const TopicsConfig* topics = nullptr;
};

// Builds a factory from a stage's config node, adding any problems (with their paths, prefixed by
// `path`) to `errors`. Returns nullptr when the config is invalid.
using StageFactoryBuilder =
    std::function<std::unique_ptr<StageFactory>(const YAML::Node& config, const std::string& path,
                                                const StageEnvironment& env, ConfigErrors& errors)>;

// Stages by name. Built in the composition root (no static registration, no global state).
class StageRegistry {
 public:
  void add(std::string name, StageFactoryBuilder builder);
  // Builds the factory for `name`; an unknown name is reported with the known ones.
  std::unique_ptr<StageFactory> build(const std::string& name, const YAML::Node& config,
                                      const std::string& path, const StageEnvironment& env,
                                      ConfigErrors& errors) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, StageFactoryBuilder> builders_;
};

}  // namespace modstream
