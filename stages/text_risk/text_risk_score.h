#pragma once
// Per-category scores from lexicon hits: a noisy-or over the distinct entries hit in a category,
// 1 - prod(1 - weight), so one strong term or several weak ones both raise the score, and repeats
// of the same term count once. Context adjustments (audience, quoting, reputation) come later.

#include <map>
#include <string>
#include <vector>

#include "stages/text_risk/lexicon.h"

namespace modstream {

struct TextRiskScores {
  std::map<std::string, double> by_category;  // only categories with at least one hit
};

TextRiskScores scoreHits(const std::vector<LexiconHit>& hits);

}  // namespace modstream
