#pragma once
// Signals: what the stages learned about one record and pass down the chain (hash_match's bank
// matches, text_risk's scores and reasons, reputation's snapshot of the account), and the records
// to publish for it. Owned by the runtime for the record's lifetime; one worker thread at a time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/core/content_hash.h"
#include "pipeline/core/record.h"

namespace modstream {

// The parts of Signals one stage fills in for the stages after it. Stages declare which they need
// and which they provide (SignalFlow in stage.h) so that the registry can check a chain's order.
enum class SignalKind { kBankMatches, kTextRisk, kReputation };

constexpr std::string_view signalKindName(SignalKind kind) {
  switch (kind) {
    case SignalKind::kBankMatches:
      return "bank_matches";
    case SignalKind::kTextRisk:
      return "text_risk";
    case SignalKind::kReputation:
      return "reputation";
  }
  return "unknown";
}

// What a match was made on: a hash of the media's bytes, a hash the client sent with the post, or a
// URL in the post's text (a URL-list match, which decide treats like a bank match).
enum class MatchSource { kMediaBytes, kClientHash, kPostText };

constexpr std::string_view matchSourceName(MatchSource source) {
  switch (source) {
    case MatchSource::kMediaBytes:
      return "media_bytes";
    case MatchSource::kClientHash:
      return "client_hash";
    case MatchSource::kPostText:
      return "post_text";
  }
  return "unknown";
}

// A hit of a piece of content against a hash bank, or of a URL in a post against a URL list.
struct BankMatch {
  std::string bank;      // bank (or URL list) name from config
  std::string entry_id;  // the entry's id
  // The hash that matched; none for a URL-list match.
  std::optional<HashType> hash_type;
  int distance = 0;        // Hamming distance for perceptual hashes, 0 for exact
  std::string category;    // list category, e.g. A, B, C
  std::string content_id;  // the media id (or post id) that matched
  MatchSource match_source = MatchSource::kMediaBytes;
  std::string transform = "original";  // for PDQ: which rotation or flip of the image matched
  bool allowlist = false;              // from an allowlist bank (suppresses, never reported)
};

// The match's type as events, metrics and policy rules name it: the hash type, or "url".
inline std::string_view matchTypeName(const BankMatch& match) {
  return match.hash_type ? hashTypeName(*match.hash_type) : "url";
}

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
  // Records to publish for this input record: decide's events, and the changelog records of
  // stages that keep state (reputation, decide's open cases).
  std::vector<OutputRecord> outputs;
};

}  // namespace modstream
