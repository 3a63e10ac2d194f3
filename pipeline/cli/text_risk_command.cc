// `modstream text-risk`: JSON Lines in ({"text": ...}), one JSON object out per line with each
// category's score in [0, 1], whether it crosses the threshold, and the reasons (lexicon entry,
// category, weight, the original span quoted). Lets anyone try the lexicons without Kafka.
// Optional "context" takes a post's fields (kind, recipient_is_minor, account_age_days).

#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/cli/commands.h"
#include "stages/text_risk/lexicon.h"
#include "stages/text_risk/text_risk_score.h"

namespace modstream::cli {

int textRiskCommand(const TextRiskOptions& options) {
  TextNormalizer normalizer;
  ConfigErrors errors;
  std::vector<LexiconEntry> entries;
  for (const auto& file : std::filesystem::directory_iterator(options.lexicon_dir)) {
    if (file.path().extension() != ".yaml") continue;
    auto loaded = loadLexiconFile(file.path().string(), normalizer, errors);
    entries.insert(entries.end(), loaded.begin(), loaded.end());
  }
  if (!errors.empty() || entries.empty()) {
    std::cerr << "modstream text-risk: lexicons in " << options.lexicon_dir << ":\n"
              << (entries.empty() ? "no lexicon entries\n" : errors.str());
    return 2;
  }
  auto database = std::make_shared<const LexiconDatabase>(std::move(entries));
  LexiconScanner scanner(database);
  std::string line;
  int bad_lines = 0;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.empty()) continue;
    auto input = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!input.is_object() || !input.contains("text") || !input["text"].is_string()) {
      std::cout << nlohmann::json{{"line", number},
                                  {"error", "expected an object with a string field 'text'"}}
                       .dump()
                << "\n";
      ++bad_lines;
      continue;
    }
    const std::string text = input["text"];
    TextRiskContext context;
    if (input.contains("context") && input["context"].is_object()) {
      const auto& c = input["context"];
      context.direct_message = c.value("kind", "public") == "direct_message";
      context.recipient_is_minor = c.value("recipient_is_minor", false);
      if (c.contains("account_age_days") && c["account_age_days"].is_number_integer()) {
        context.account_age_days = c["account_age_days"].get<int64_t>();
      }
    }
    const auto normalized = normalizer.normalize(text);
    const auto hits = scanner.scan(normalized.text);
    const TextRiskScores scores = scoreHits(hits, normalized, text, context);
    nlohmann::json out = {{"line", number}};
    nlohmann::json categories = nlohmann::json::object();
    for (const auto& [category, score] : scores.by_category) {
      categories[category] = {{"score", score}, {"flagged", score >= options.threshold}};
    }
    out["categories"] = categories;
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& scored : scores.hits) {
      const auto& hit = *scored.hit;
      const auto [begin, end] = normalized.sourceSpan(hit.begin, hit.end);
      reasons.push_back({{"entry_id", hit.entry->id},
                         {"category", hit.entry->category},
                         {"weight", scored.effective_weight},
                         {"quoted", scored.quoted},
                         {"span", {begin, end}},
                         {"quote", text.substr(begin, end - begin)}});
    }
    out["reporting"] = scores.reporting;
    out["reasons"] = reasons;
    std::cout << out.dump() << "\n";
  }
  return bad_lines == 0 ? 0 : 1;
}

}  // namespace modstream::cli
