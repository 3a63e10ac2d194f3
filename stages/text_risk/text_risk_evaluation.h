#pragma once
// Scores a labelled corpus (JSON Lines, see tests/text_risk_corpus/README.md) with a model and
// reports precision and recall per category, and whether obfuscated variants are flagged like the
// plain message they were written from. Used by `modstream text-risk --eval` and its regression
// test.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/core/result.h"
#include "stages/text_risk/text_risk_engine.h"

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

struct CorpusEvaluation {
  int messages = 0;
  std::map<std::string, CategoryEvaluation> categories;  // every labelled or flagged category
  std::vector<Misjudged> misjudged;
  int variants = 0;
  // Variants flagged differently from their plain form, or scoring more than `variant_tolerance`
  // away from it in a category either of them flagged.
  std::vector<VariantDisagreement> variant_disagreements;
  std::vector<std::string> errors;  // file:line: problem
};

// The "context" field of a JSON line (`modstream text-risk` input, corpus messages), decoded by the
// pipeline's own post-context decoder (decodePostContext), so a value the posts topic would
// dead-letter ("kind": "dm") is an error naming the field here too. Absent or null gives the
// default context (a public post).
Result<TextRiskContext> textRiskContextFromJson(const nlohmann::json& message);

// How a message is scored: lexicons only, the learned tier only, or both fused.
using TextScorer = std::function<TextRiskSignal(std::string_view text, const TextRiskContext&)>;

CorpusEvaluation evaluateCorpus(const TextScorer& scorer, const std::string& corpus_path,
                                double variant_tolerance);

}  // namespace modstream
