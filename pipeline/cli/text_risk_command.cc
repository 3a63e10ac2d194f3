// `modstream text-risk`: the text_risk stage without Kafka. Reads JSON Lines on stdin
// ({"text": ..., "context": {...}}, context optional with a post's fields) and writes one JSON
// object per line: each category's score in [0, 1], its threshold and whether it is flagged, and
// the reasons (lexicon entry or listed URL, category, weight, the original span quoted).
// With --eval CORPUS it scores a labelled corpus instead and reports precision and recall per
// category and obfuscated variants that are judged unlike their plain form.

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "pipeline/cli/commands.h"
#include "pipeline/config/pipeline_config.h"
#include "stages/text_risk/text_risk_evaluation.h"
#include "stages/text_risk/text_risk_stage.h"

namespace modstream::cli {
namespace {

// The text_risk stage's config from a pipeline config file, with the command-line overrides.
std::shared_ptr<const TextRiskModel> loadModel(const TextRiskOptions& options) {
  ConfigErrors errors;
  std::shared_ptr<const TextRiskModel> model;
  if (const auto found = readStageConfig(options.config_file, "text_risk", errors)) {
    TextRiskConfig config = parseTextRiskConfig(found->stage.config, found->stage.path, errors);
    if (!options.lexicons.empty()) {
      config.lexicons = {std::filesystem::absolute(options.lexicons).string()};
    }
    if (options.threshold) {
      config.default_threshold = *options.threshold;
      config.thresholds.clear();
    }
    if (errors.empty()) {
      model = TextRiskModel::load(config, found->pipeline.base_dir, found->stage.path, errors);
    }
  }
  if (!model) std::cerr << "modstream text-risk: " << errors.str();
  return model;
}

nlohmann::json signalJson(const TextRiskSignal& signal) {
  nlohmann::json categories = nlohmann::json::object();
  for (const auto& c : signal.categories) {
    categories[c.category] = {
        {"score", c.score}, {"threshold", c.threshold}, {"flagged", c.flagged}};
  }
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& r : signal.reasons) {
    nlohmann::json reason = {{"source", r.source},     {"entry_id", r.entry_id},
                             {"category", r.category}, {"weight", r.weight},
                             {"quoted", r.quoted},     {"span", {r.begin, r.end}},
                             {"quote", r.quote}};
    if (!r.list.empty()) reason["list"] = r.list;
    if (!r.list_category.empty()) reason["list_category"] = r.list_category;
    reasons.push_back(std::move(reason));
  }
  return {{"categories", categories}, {"reporting", signal.reporting}, {"reasons", reasons}};
}

int scoreLines(const std::shared_ptr<const TextRiskModel>& model) {
  TextRiskAnalyzer analyzer;
  std::string line;
  int bad_lines = 0;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.empty()) continue;
    const auto input = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!input.is_object() || !input.contains("text") || !input["text"].is_string()) {
      std::cout << nlohmann::json{{"line", number},
                                  {"error", "expected an object with a string field 'text'"}}
                       .dump()
                << "\n";
      ++bad_lines;
      continue;
    }
    const auto context = textRiskContextFromJson(input);
    if (!context.ok()) {
      std::cout << nlohmann::json{{"line", number}, {"error", context.error().message}}.dump()
                << "\n";
      ++bad_lines;
      continue;
    }
    nlohmann::json out = {{"line", number}};
    out.update(
        signalJson(analyzer.analyze(model, input["text"].get<std::string>(), context.value())));
    std::cout << out.dump() << "\n";
  }
  return bad_lines == 0 ? 0 : 1;
}

int evaluate(const std::shared_ptr<const TextRiskModel>& model, const TextRiskOptions& options) {
  const CorpusEvaluation report =
      evaluateCorpus(model, options.eval_corpus, options.variant_tolerance);
  nlohmann::json categories = nlohmann::json::object();
  for (const auto& [name, c] : report.categories) {
    categories[name] = {{"precision", c.precision()},
                        {"recall", c.recall()},
                        {"true_positives", c.true_positives},
                        {"false_positives", c.false_positives},
                        {"false_negatives", c.false_negatives}};
  }
  if (options.json) {
    nlohmann::json misjudged = nlohmann::json::array();
    for (const auto& m : report.misjudged) {
      misjudged.push_back({{"id", m.id},
                           {"category", m.category},
                           {"kind", m.false_positive ? "false_positive" : "false_negative"},
                           {"score", m.score}});
    }
    nlohmann::json disagreements = nlohmann::json::array();
    for (const auto& d : report.variant_disagreements) {
      disagreements.push_back({{"id", d.id},
                               {"variant_of", d.variant_of},
                               {"category", d.category},
                               {"plain_score", d.plain_score},
                               {"variant_score", d.variant_score}});
    }
    std::cout << nlohmann::json{{"messages", report.messages},
                                {"categories", categories},
                                {"misjudged", misjudged},
                                {"variants", report.variants},
                                {"variant_disagreements", disagreements},
                                {"errors", report.errors}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("%-20s %9s %7s %4s %4s %4s\n", "category", "precision", "recall", "tp", "fp", "fn");
    for (const auto& [name, c] : report.categories) {
      std::printf("%-20s %9.3f %7.3f %4d %4d %4d\n", name.c_str(), c.precision(), c.recall(),
                  c.true_positives, c.false_positives, c.false_negatives);
    }
    std::printf("%d messages; %d obfuscated variants, %zu judged unlike their plain form\n",
                report.messages, report.variants, report.variant_disagreements.size());
    for (const auto& m : report.misjudged) {
      std::printf("  %s %s: %s (score %.3f)\n", m.false_positive ? "false positive" : "missed",
                  m.category.c_str(), m.id.c_str(), m.score);
    }
    for (const auto& d : report.variant_disagreements) {
      std::printf("  variant %s of %s: %s %.3f vs %.3f\n", d.id.c_str(), d.variant_of.c_str(),
                  d.category.c_str(), d.variant_score, d.plain_score);
    }
  }
  for (const auto& error : report.errors) std::cerr << error << "\n";
  return report.errors.empty() ? 0 : 1;
}

}  // namespace

int textRiskCommand(const TextRiskOptions& options) {
  const auto model = loadModel(options);
  if (!model) return 2;
  return options.eval_corpus.empty() ? scoreLines(model) : evaluate(model, options);
}

}  // namespace modstream::cli
