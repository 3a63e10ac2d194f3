#include "stages/text_risk/text_risk_score.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace modstream {
namespace {

constexpr double kQuotedFactor = 0.3;     // a quoted term keeps 30% of its weight
constexpr double kReportingFactor = 0.5;  // and text that reports speech keeps half
constexpr double kMinorDirectMessageEvidence = 2.0;
constexpr double kNewAccountEvidence = 1.5;
constexpr int64_t kNewAccountDays = 7;

// Words (normalised) that mark reported speech rather than the writer's own voice.
const std::vector<std::string> kReportingCues = {
    "police said",  "police say",   "reporters said", "said that",   "told her",   "told him",
    "told them",    "told victims", "according to",   "reported",    "reports",    "was charged",
    "was arrested", "court heard",  "threatened to",  "the suspect", "news report"};

bool containsPhrase(const std::string& text, const std::string& phrase) {
  for (size_t at = text.find(phrase); at != std::string::npos; at = text.find(phrase, at + 1)) {
    const bool starts = at == 0 || text[at - 1] == ' ';
    const bool ends = at + phrase.size() == text.size() || text[at + phrase.size()] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Quotation marks in the original text: straight and curly double quotes, guillemets, and single
// quotes where they open (after a space) or close (before a space or the end), not apostrophes.
bool opensQuote(std::string_view text, size_t at, size_t& length) {
  for (std::string_view mark : {"\"", "\xe2\x80\x9c", "\xc2\xab", "'", "\xe2\x80\x98"}) {
    if (text.substr(at, mark.size()) == mark && (at == 0 || isSpace(text[at - 1]) || mark != "'")) {
      length = mark.size();
      return true;
    }
  }
  return false;
}

bool closesQuote(std::string_view text, size_t at, size_t& length) {
  for (std::string_view mark : {"\"", "\xe2\x80\x9d", "\xc2\xbb", "'", "\xe2\x80\x99"}) {
    if (text.substr(at, mark.size()) != mark) continue;
    const size_t after = at + mark.size();
    if (mark == "'" && after < text.size() && !isSpace(text[after]) &&
        std::string_view(".,;:!?").find(text[after]) == std::string_view::npos) {
      continue;  // an apostrophe ("I'll")
    }
    length = mark.size();
    return true;
  }
  return false;
}

// True when [begin, end) lies between an opening and a closing quotation mark.
bool insideQuotes(std::string_view text, size_t begin, size_t end) {
  bool open = false;
  size_t length = 0;
  for (size_t i = 0; i < begin; i += std::max<size_t>(length, 1)) {
    length = 1;
    if (!open && opensQuote(text, i, length)) {
      open = true;
    } else if (open && closesQuote(text, i, length)) {
      open = false;
    }
  }
  if (!open) return false;
  for (size_t i = end; i < text.size(); ++i) {
    if (closesQuote(text, i, length)) return true;
  }
  return false;
}

bool sensitiveForMinors(const std::string& category) {
  return category == "grooming" || category == "sextortion" || category == "sexual_minor";
}

}  // namespace

TextRiskScores scoreHits(const std::vector<LexiconHit>& hits, const NormalizedText& normalized,
                         std::string_view original, const TextRiskContext& context) {
  TextRiskScores scores;
  scores.reporting =
      std::any_of(kReportingCues.begin(), kReportingCues.end(),
                  [&](const auto& cue) { return containsPhrase(normalized.text, cue); });
  for (const auto& hit : hits) {
    const auto [begin, end] = normalized.sourceSpan(hit.begin, hit.end);
    ScoredHit scored{&hit, hit.entry->weight, insideQuotes(original, begin, end)};
    if (scored.quoted) scored.effective_weight *= kQuotedFactor;
    if (scores.reporting) scored.effective_weight *= kReportingFactor;
    scores.hits.push_back(scored);
  }
  // One piece of evidence per cluster of overlapping hits in a category, the strongest of them
  // ("shoot up the school" also contains "shoot up the"); an entry counts once however often it
  // repeats.
  std::vector<const ScoredHit*> ordered;
  for (const auto& scored : scores.hits) ordered.push_back(&scored);
  std::sort(ordered.begin(), ordered.end(), [](const ScoredHit* a, const ScoredHit* b) {
    return std::tie(a->hit->entry->category, a->hit->begin) <
           std::tie(b->hit->entry->category, b->hit->begin);
  });
  std::map<std::string, double> miss_probability;  // prod(1 - weight) per category
  std::set<const LexiconEntry*> counted;
  for (size_t i = 0; i < ordered.size();) {
    const std::string& category = ordered[i]->hit->entry->category;
    const ScoredHit* strongest = ordered[i];
    size_t cluster_end = ordered[i]->hit->end;
    size_t next = i + 1;
    for (; next < ordered.size() && ordered[next]->hit->entry->category == category &&
           ordered[next]->hit->begin < cluster_end;
         ++next) {
      cluster_end = std::max(cluster_end, ordered[next]->hit->end);
      if (ordered[next]->effective_weight > strongest->effective_weight) strongest = ordered[next];
    }
    i = next;
    if (!counted.insert(strongest->hit->entry).second) continue;
    auto [it, inserted] = miss_probability.emplace(category, 1.0);
    it->second *= 1.0 - strongest->effective_weight;
  }
  for (auto& [category, miss] : miss_probability) {
    double evidence = 1.0;
    if (sensitiveForMinors(category) && context.direct_message && context.recipient_is_minor) {
      evidence *= kMinorDirectMessageEvidence;
      if (context.account_age_days && *context.account_age_days < kNewAccountDays) {
        evidence *= kNewAccountEvidence;
      }
    }
    // Counting the evidence k times: 1 - miss^k.
    scores.by_category[category] = 1.0 - std::pow(miss, evidence);
  }
  return scores;
}

}  // namespace modstream
