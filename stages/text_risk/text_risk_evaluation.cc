#include "stages/text_risk/text_risk_evaluation.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/input/record_decoder.h"
#include "stages/text_risk/obfuscation_generator.h"
#include "stages/text_risk/text_risk_stage.h"

namespace modstream {
namespace {

struct Judged {
  std::map<std::string, double> scores;
  std::set<std::string> flagged;
};

Judged judge(const TextRiskSignal& signal) {
  Judged result;
  for (const auto& category : signal.categories) {
    result.scores[category.category] = category.score;
    if (category.flagged) result.flagged.insert(category.category);
  }
  return result;
}

void judgeGeneratedVariants(const TextScorer& scorer, const ObfuscationGenerator& generator,
                            int count, const std::string& id, const std::string& text,
                            const TextRiskContext& context, const Judged& plain, bool harmless,
                            GeneratedVariantsEvaluation& report) {
  for (const auto& variant : generator.variants(id, text, count)) {
    const Judged judged = judge(scorer(variant.text, context));
    const bool alike = judged.flagged == plain.flagged;
    ++report.variants;
    report.judged_alike += alike;
    std::string kinds;
    for (const Obfuscation kind : variant.kinds) {
      auto& [variants, judged_alike] = report.by_kind[obfuscationName(kind)];
      ++variants;
      judged_alike += alike;
      kinds += (kinds.empty() ? "" : ",") + std::string(obfuscationName(kind));
    }
    if (harmless) {
      ++report.harmless_variants;
      for (const auto& category : judged.flagged) {
        if (!plain.flagged.count(category)) {
          ++report.harmless_newly_flagged;
          break;
        }
      }
    }
    if (!alike) report.unlike.push_back({id, kinds, variant.text, plain.flagged, judged.flagged});
  }
}

}  // namespace

Result<TextRiskContext> textRiskContextFromJson(const nlohmann::json& message) {
  if (!message.contains("context") || message["context"].is_null()) return TextRiskContext{};
  auto context = decodePostContext(message["context"].dump());
  if (!context.ok()) return context.error();
  return textRiskContextOf(context.value());
}

double CategoryEvaluation::precision() const {
  const int flagged = true_positives + false_positives;
  return flagged == 0 ? 1.0 : static_cast<double>(true_positives) / flagged;
}

double CategoryEvaluation::recall() const {
  const int labelled = true_positives + false_negatives;
  return labelled == 0 ? 1.0 : static_cast<double>(true_positives) / labelled;
}

CorpusEvaluation evaluateCorpus(const TextScorer& scorer, const std::string& corpus_path,
                                const EvaluationOptions& options) {
  CorpusEvaluation report;
  const ObfuscationGenerator generator(options.seed);
  std::ifstream in(corpus_path);
  if (!in) {
    report.errors.push_back(corpus_path + ": cannot be read");
    return report;
  }
  std::map<std::string, Judged> judged;                       // by message id
  std::vector<std::pair<std::string, std::string>> variants;  // (id, variant_of)
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = corpus_path + ":" + std::to_string(number);
    const auto message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object() || !message.contains("id") || !message["id"].is_string() ||
        !message.contains("text") || !message["text"].is_string() || !message.contains("labels") ||
        !message["labels"].is_array()) {
      report.errors.push_back(where + ": expected an object with string id and text, and labels");
      continue;
    }
    const std::string id = message["id"];
    std::set<std::string> labels;
    for (const auto& label : message["labels"]) {
      if (label.is_string()) labels.insert(label.get<std::string>());
    }
    const auto context = textRiskContextFromJson(message);
    if (!context.ok()) {
      report.errors.push_back(where + ": " + context.error().message);
      continue;
    }
    const std::string text = message["text"];
    Judged& result = judged[id];
    result = judge(scorer(text, context.value()));
    ++report.messages;
    const bool is_variant = message.contains("variant_of");
    if (options.variants_per_message > 0 && !is_variant) {
      judgeGeneratedVariants(scorer, generator, options.variants_per_message, id, text,
                             context.value(), result, labels.empty(), report.generated);
    }
    std::set<std::string> categories = labels;
    categories.insert(result.flagged.begin(), result.flagged.end());
    for (const auto& category : categories) {
      auto& counts = report.categories[category];
      const bool labelled = labels.count(category) > 0;
      const bool flagged = result.flagged.count(category) > 0;
      const double score = result.scores.count(category) ? result.scores.at(category) : 0.0;
      if (labelled && flagged) {
        ++counts.true_positives;
      } else if (flagged) {
        ++counts.false_positives;
        report.misjudged.push_back({id, category, true, score});
      } else {
        ++counts.false_negatives;
        report.misjudged.push_back({id, category, false, score});
      }
    }
    if (message.contains("variant_of") && message["variant_of"].is_string()) {
      variants.emplace_back(id, message["variant_of"].get<std::string>());
    }
  }
  for (const auto& [id, plain_id] : variants) {
    ++report.variants;
    auto plain = judged.find(plain_id);
    if (plain == judged.end()) {
      report.errors.push_back(corpus_path + ": " + id + " is a variant of unknown id " + plain_id);
      continue;
    }
    const Judged& variant = judged[id];
    std::set<std::string> categories = plain->second.flagged;
    categories.insert(variant.flagged.begin(), variant.flagged.end());
    for (const auto& category : categories) {
      auto scoreIn = [&](const Judged& j) {
        return j.scores.count(category) ? j.scores.at(category) : 0.0;
      };
      const double plain_score = scoreIn(plain->second);
      const double variant_score = scoreIn(variant);
      const bool same_flag =
          plain->second.flagged.count(category) == variant.flagged.count(category);
      if (!same_flag || std::abs(plain_score - variant_score) > options.variant_tolerance) {
        report.variant_disagreements.push_back(
            {id, plain_id, category, plain_score, variant_score});
      }
    }
  }
  return report;
}

}  // namespace modstream
