#include "stages/text_risk/text_risk_score.h"

#include <set>

namespace modstream {

TextRiskScores scoreHits(const std::vector<LexiconHit>& hits) {
  std::map<std::string, double> miss_probability;  // prod(1 - weight) per category
  std::set<const LexiconEntry*> counted;
  for (const auto& hit : hits) {
    if (!counted.insert(hit.entry).second) continue;
    auto [it, inserted] = miss_probability.emplace(hit.entry->category, 1.0);
    it->second *= 1.0 - hit.entry->weight;
  }
  TextRiskScores scores;
  for (const auto& [category, miss] : miss_probability) scores.by_category[category] = 1.0 - miss;
  return scores;
}

}  // namespace modstream
