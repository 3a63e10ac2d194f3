#pragma once
// Per-category scores from evidence (lexicon hits, listed URLs): a noisy-or over the distinct
// pieces of evidence in a category, 1 - prod(1 - weight), so one strong term or several weak ones
// both raise the score, overlapping hits count once (the strongest: "shoot up the school" also
// contains "shoot up the") and repeats of the same entry count once. Context then shifts it:
// - a hit inside quotation marks, or in text that reads as reporting ("police said ..."), counts
//   for less: a news report quoting a threat is not a threat (listed URLs are never discounted);
// - a direct message to an account flagged as a minor counts grooming, sextortion and sexual
//   content evidence more (twice by default), and more again from a new account;
// - a reply or direct message aims threats and harassment at a person;
// - an account with a low trust score (from reputation) weighs every category more.
// "Counting the evidence k times" raises the miss probability to the power k: 1 - miss^k.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modstream {

struct TextRiskContext {
  bool direct_message = false;
  bool reply = false;
  bool recipient_is_minor = false;
  std::optional<int64_t> account_age_days;
  std::optional<double> account_trust;  // 0..1 from reputation, when known
};

// The factors above; parsed from the text_risk stage's `context` config.
struct ScoringSettings {
  double quoted_weight = 0.3;     // a quoted hit keeps this share of its weight
  double reporting_weight = 0.5;  // and a hit in reporting text this share
  double minor_recipient_evidence = 2.0;
  double new_account_evidence = 1.5;  // on top, in a direct message to a minor
  int new_account_days = 7;
  double directed_evidence = 1.25;  // threats and harassment in a reply or direct message
  double low_trust_evidence = 1.5;
  double low_trust_below = 0.3;
};

struct Evidence {
  const void* entry;          // the lexicon or list entry: one entry counts once
  std::string_view category;  // the harm category it scores in (owned by the model)
  double weight;              // 0..1
  size_t begin;               // byte span in the original text
  size_t end;
  bool discountable = true;  // quoting and reporting discounts apply (not to listed URLs)
};

struct ScoredEvidence {
  double effective_weight;  // after quoting and reporting discounts
  bool quoted = false;
};

struct TextRiskScores {
  // Only categories with evidence, in name order; the names are the evidence's (owned by the
  // model).
  std::vector<std::pair<std::string_view, double>> by_category;
  std::vector<ScoredEvidence> scored;  // one per Evidence, same order
  bool reporting = false;              // the text reads as reporting or quoting someone else
};

// Scores posts one after another, keeping its buffers, so that once warm scoring a post allocates
// nothing. One per worker.
class EvidenceScorer {
 public:
  // `reporting`: the text reads as reporting someone else's words (a reporting cue was found).
  // Valid until the next call.
  const TextRiskScores& score(const std::vector<Evidence>& evidence, bool reporting,
                              std::string_view original, const TextRiskContext& context,
                              const ScoringSettings& settings);

 private:
  TextRiskScores scores_;
  std::vector<size_t> quote_marks_;                // where a quotation mark may start
  std::vector<std::pair<size_t, size_t>> quoted_;  // quoted byte ranges of the post
  std::vector<size_t> ordered_;                    // evidence by category, then position
  std::vector<std::pair<std::string_view, double>> miss_probability_;
  std::vector<const void*> counted_;  // entries already counted
};

}  // namespace modstream
