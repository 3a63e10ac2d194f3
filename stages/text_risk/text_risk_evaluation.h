#pragma once
// Scores a labelled corpus (JSON Lines, see tests/text_risk_corpus/README.md) with a model and
// reports precision and recall per category, and whether obfuscated variants are flagged like the
// plain message they were written from. Used by `modstream text-risk --eval` and its regression
// test.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "pipeline/core/result.h"
#include "stages/text_risk/text_risk_analyzer.h"

namespace modstream {

struct CategoryEvaluation {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  double precision() const;  // 1 when nothing was flagged
  double recall() const;     // 1 when nothing is labelled
};

struct Misjudged {
  std::string id;
  std::string category;
  bool false_positive;  // else a false negative
  double score;
};

struct VariantDisagreement {
  std::string id;
  std::string variant_of;
  std::string category;
  double plain_score;
  double variant_score;
};

// A generated variant (ObfuscationGenerator) flagged differently from its plain message.
struct GeneratedMismatch {
  std::string id;     // the plain message's
  std::string kinds;  // the obfuscations applied, comma-separated
  std::string text;
  std::set<std::string> plain_flagged;
  std::set<std::string> variant_flagged;
};

struct GeneratedVariantsEvaluation {
  int variants = 0;
  int judged_alike = 0;  // flagged in exactly the categories of its plain form
  std::map<std::string, std::pair<int, int>> by_kind;  // obfuscation -> (variants, alike)
  int harmless_variants = 0;                           // variants of messages with no labels
  int harmless_newly_flagged = 0;  // ... flagged in a category their plain form is not
  std::vector<GeneratedMismatch> unlike;
};

struct CorpusEvaluation {
  int messages = 0;
  std::map<std::string, CategoryEvaluation> categories;  // every labelled or flagged category
  std::vector<Misjudged> misjudged;
  int variants = 0;
  // Variants flagged differently from their plain form, or scoring more than `variant_tolerance`
  // away from it in a category either of them flagged.
  std::vector<VariantDisagreement> variant_disagreements;
  std::vector<std::string> errors;        // file:line: problem
  GeneratedVariantsEvaluation generated;  // with EvaluationOptions::variants_per_message
};

struct EvaluationOptions {
  double variant_tolerance = 0.15;  // see CorpusEvaluation::variant_disagreements
  // Each message that is not itself an obfuscated variant also gets this many generated variants
  // (ObfuscationGenerator with `seed`), judged against its plain form.
  int variants_per_message = 0;
  uint64_t seed = 1;
};

// The "context" field of a JSON line (`modstream text-risk` input, corpus messages), decoded by the
// pipeline's own post-context decoder (decodePostContext), so a value the posts topic would
// dead-letter ("kind": "dm") is an error naming the field here too. Absent or null gives the
// default context (a public post).
Result<TextRiskContext> textRiskContextFromJson(const nlohmann::json& message);

// How a message is scored: lexicons only, the learned tier only, or both fused.
using TextScorer = std::function<TextRiskSignal(std::string_view text, const TextRiskContext&)>;

CorpusEvaluation evaluateCorpus(const TextScorer& scorer, const std::string& corpus_path,
                                const EvaluationOptions& options);

}  // namespace modstream
