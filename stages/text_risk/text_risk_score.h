#pragma once
// Per-category scores from lexicon hits: a noisy-or over the distinct entries hit in a category,
// 1 - prod(1 - weight), so one strong term or several weak ones both raise the score and repeats
// of the same term count once. Context then shifts the evidence:
// - a hit inside quotation marks, or in text that reads as reporting ("police said ..."), counts
//   for less: a news report quoting a threat is not a threat;
// - a direct message to an account flagged as a minor counts twice for grooming, sextortion and
//   sexual content, and more again from an account younger than a week.
// The factors are constants here until policy config arrives with issue #6.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stages/text_risk/lexicon.h"

namespace modstream {

struct TextRiskContext {
  bool direct_message = false;
  bool recipient_is_minor = false;
  std::optional<int64_t> account_age_days;
};

struct ScoredHit {
  const LexiconHit* hit;
  double effective_weight;  // after quoting and reporting discounts
  bool quoted = false;
};

struct TextRiskScores {
  std::map<std::string, double> by_category;  // only categories with at least one hit
  std::vector<ScoredHit> hits;
  bool reporting = false;  // the text reads as reporting or quoting someone else
};

TextRiskScores scoreHits(const std::vector<LexiconHit>& hits, const NormalizedText& normalized,
                         std::string_view original, const TextRiskContext& context);

}  // namespace modstream
