#include "stages/text_risk/text_risk_score.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>

#include "pipeline/core/stage.h"

namespace modstream {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Quotation marks in the original text: straight and curly double quotes, guillemets, and single
// quotes where they open (after a space, before a word) or close (after a word, before a space or
// the end), not apostrophes: neither "I'll" nor a spaced-out "d o n ' t".
bool opensQuote(std::string_view text, size_t at, size_t& length) {
  for (std::string_view mark : {"\"", "\xe2\x80\x9c", "\xc2\xab", "'", "\xe2\x80\x98"}) {
    const bool single_opens =
        (at == 0 || isSpace(text[at - 1])) && (at + 1 < text.size() && !isSpace(text[at + 1]));
    if (text.substr(at, mark.size()) == mark && (mark != "'" || single_opens)) {
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
    if (mark == "'" && (at == 0 || isSpace(text[at - 1]))) continue;  // after no word
    length = mark.size();
    return true;
  }
  return false;
}

// The byte ranges between an opening and its closing quotation mark, found in one pass, into
// `regions`; `candidates` is working space.
void quotedRegions(std::string_view text, std::vector<size_t>& candidates,
                   std::vector<std::pair<size_t, size_t>>& regions) {
  // Where a quotation mark can start: found with one memchr pass per lead byte rather than a
  // branch per byte of text.
  candidates.clear();
  regions.clear();
  for (const char lead : {'"', '\'', '\xe2', '\xc2'}) {
    for (size_t at = text.find(lead); at != std::string_view::npos; at = text.find(lead, at + 1)) {
      candidates.push_back(at);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  constexpr size_t kClosed = SIZE_MAX;
  size_t open_at = kClosed;
  size_t next_free = 0;  // a mark's bytes are not the start of another
  for (const size_t i : candidates) {
    if (i < next_free) continue;
    size_t length = 1;
    if (open_at == kClosed && opensQuote(text, i, length)) {
      open_at = i;
      next_free = i + length;
    } else if (open_at != kClosed && closesQuote(text, i, length)) {
      regions.emplace_back(open_at, i + length);
      open_at = kClosed;
      next_free = i + length;
    }
  }
}

bool inside(const std::vector<std::pair<size_t, size_t>>& regions, size_t begin, size_t end) {
  auto it = std::upper_bound(regions.begin(), regions.end(), std::pair{begin, SIZE_MAX});
  return it != regions.begin() && std::prev(it)->second >= end;
}

bool aimedAtAPerson(std::string_view category) {
  return category == "threat_of_violence" || category == "harassment";
}

// How many times the evidence of `category` counts in this context.
double evidenceMultiplier(std::string_view category, const TextRiskContext& context,
                          const ScoringSettings& settings) {
  double evidence = 1.0;
  if (harmsMinors(category) && context.direct_message && context.recipient_is_minor) {
    evidence *= settings.minor_recipient_evidence;
    if (context.account_age_days && *context.account_age_days < settings.new_account_days) {
      evidence *= settings.new_account_evidence;
    }
  }
  if (aimedAtAPerson(category) && (context.direct_message || context.reply)) {
    evidence *= settings.directed_evidence;
  }
  if (context.account_trust && *context.account_trust < settings.low_trust_below) {
    evidence *= settings.low_trust_evidence;
  }
  return evidence;
}

}  // namespace

const TextRiskScores& EvidenceScorer::score(const std::vector<Evidence>& evidence, bool reporting,
                                            std::string_view original,
                                            const TextRiskContext& context,
                                            const ScoringSettings& settings) {
  TextRiskScores& scores = scores_;
  scores.by_category.clear();
  scores.scored.clear();
  scores.reporting = reporting;
  auto& quoted = quoted_;
  quoted.clear();
  if (!evidence.empty()) quotedRegions(original, quote_marks_, quoted);
  for (const auto& item : evidence) {
    ScoredEvidence scored{item.weight, item.discountable && inside(quoted, item.begin, item.end)};
    if (scored.quoted) scored.effective_weight *= settings.quoted_weight;
    if (scores.reporting && item.discountable) scored.effective_weight *= settings.reporting_weight;
    scores.scored.push_back(scored);
  }
  auto& ordered = ordered_;
  ordered.resize(evidence.size());
  for (size_t i = 0; i < ordered.size(); ++i) ordered[i] = i;
  std::sort(ordered.begin(), ordered.end(), [&](size_t a, size_t b) {
    return std::tie(evidence[a].category, evidence[a].begin) <
           std::tie(evidence[b].category, evidence[b].begin);
  });
  // prod(1 - weight) per category, in category order (`ordered` groups them). A post has a few
  // findings at most, so flat vectors beat a map and a set.
  auto& miss_probability = miss_probability_;
  auto& counted = counted_;
  miss_probability.clear();
  counted.clear();
  for (size_t i = 0; i < ordered.size();) {
    const std::string_view category = evidence[ordered[i]].category;
    size_t strongest = ordered[i];
    size_t cluster_end = evidence[ordered[i]].end;
    size_t next = i + 1;
    for (; next < ordered.size() && evidence[ordered[next]].category == category &&
           evidence[ordered[next]].begin < cluster_end;
         ++next) {
      cluster_end = std::max(cluster_end, evidence[ordered[next]].end);
      if (scores.scored[ordered[next]].effective_weight >
          scores.scored[strongest].effective_weight) {
        strongest = ordered[next];
      }
    }
    i = next;
    const void* entry = evidence[strongest].entry;
    if (std::find(counted.begin(), counted.end(), entry) != counted.end()) continue;
    counted.push_back(entry);
    if (miss_probability.empty() || miss_probability.back().first != category) {
      miss_probability.emplace_back(category, 1.0);
    }
    miss_probability.back().second *= 1.0 - scores.scored[strongest].effective_weight;
  }
  for (const auto& [category, miss] : miss_probability) {
    const double multiplier = evidenceMultiplier(category, context, settings);
    scores.by_category.emplace_back(category,
                                    1.0 - (multiplier == 1.0 ? miss : std::pow(miss, multiplier)));
  }
  return scores;
}

}  // namespace modstream
