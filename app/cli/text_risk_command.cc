// `modstream text-risk`: the text_risk stage without Kafka. Reads JSON Lines on stdin
// ({"text": ..., "context": {...}}, context optional with a post's fields) and writes one JSON
// object per line: each category's score in [0, 1], its threshold and whether it is flagged, and
// the reasons (lexicon entry or listed URL, category, weight, the original span quoted).
// With --eval CORPUS it scores a labelled corpus instead and reports precision and recall per
// category and obfuscated variants that are judged unlike their plain form; with the learned tier
// on, first side by side: lexicons only, the model's static and full tiers alone, and fused.
// --side-by-side and --scorer other than lexicons turn the learned tier on for the command.

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/terminal_text.h"
#include "pipeline/config/pipeline_config.h"
#include "stages/text_risk/text_risk_evaluation.h"
#include "stages/text_risk/text_risk_stage.h"

namespace modstream::cli {
namespace {

struct Scorers {
  std::shared_ptr<const TextRiskRules> lexicons;
  std::shared_ptr<LearnedTier> learned;  // null when the config turns the learned tier off

  TextScorer make(const std::string& name) const {
    const auto mode = name == "model-static" ? LearnedTier::Mode::kStaticOnly
                      : name == "model-full" ? LearnedTier::Mode::kFullOnly
                                             : LearnedTier::Mode::kCascade;
    auto analyzer = std::make_shared<TextRiskAnalyzer>();
    if (name == "lexicons" || !learned) {
      return
          [analyzer, lexicons = lexicons](std::string_view text, const TextRiskContext& context) {
            return analyzer->analyze(lexicons, text, context);
          };
    }
    if (name == "fused") {
      return [analyzer, lexicons = lexicons, learned = learned](std::string_view text,
                                                                const TextRiskContext& context) {
        return scoreText(*analyzer, lexicons, learned.get(), text, context);
      };
    }
    return [lexicons = lexicons, learned = learned, mode](std::string_view text,
                                                          const TextRiskContext& context) {
      TextRiskSignal signal;
      fuseModelFindings(learned->score(text, context, signal, *lexicons, mode), *lexicons, context,
                        learned->config().weight, signal);
      return signal;
    };
  }
};

// The text_risk stage's config from a pipeline config file, with the command-line overrides.
Scorers loadScorers(const TextRiskOptions& options) {
  ConfigErrors errors;
  Scorers scorers;
  std::shared_ptr<const TextRiskRules> rules;
  if (const auto found = readStageConfig(options.config_file, "text_risk", errors)) {
    TextRiskConfig config = parseTextRiskConfig(found->stage.config, found->stage.path, errors);
    if (!options.lexicons.empty()) {
      config.lexicons = {std::filesystem::absolute(options.lexicons).string()};
    }
    if (options.threshold) {
      config.default_threshold = *options.threshold;
      config.thresholds.clear();
    }
    // Offline, every post the cascade would send to the transformer gets it: figures must not
    // depend on how fast this machine is.
    config.model.full_per_second = 1e6;
    if (options.side_by_side || (!options.scorer.empty() && options.scorer != "lexicons")) {
      config.model.enabled = true;
    }
    if (errors.empty()) {
      rules = TextRiskRules::load(config, found->pipeline.base_dir, found->stage.path, errors);
    }
    if (rules && config.model.enabled && options.scorer != "lexicons") {
      scorers.learned = LearnedTier::create(config.model, found->pipeline.base_dir,
                                            found->stage.path, 0, nullptr, errors);
      if (!scorers.learned) rules = nullptr;
    }
  }
  if (!rules) std::cerr << "modstream text-risk: " << errors.str();
  scorers.lexicons = rules;
  return scorers;
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
    if (!r.model_tier.empty()) {
      reason["model_tier"] = r.model_tier;
      reason["similarity"] = r.similarity;
    }
    reasons.push_back(std::move(reason));
  }
  return {{"categories", categories}, {"reporting", signal.reporting}, {"reasons", reasons}};
}

int scoreLines(const TextScorer& scorer) {
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
    out.update(signalJson(scorer(input["text"].get<std::string>(), context.value())));
    std::cout << out.dump() << "\n";
  }
  return bad_lines == 0 ? 0 : 1;
}

nlohmann::json categoriesJson(const CorpusEvaluation& report) {
  nlohmann::json categories = nlohmann::json::object();
  for (const auto& [name, c] : report.categories) {
    categories[name] = {{"precision", c.precision()},
                        {"recall", c.recall()},
                        {"true_positives", c.true_positives},
                        {"false_positives", c.false_positives},
                        {"false_negatives", c.false_negatives}};
  }
  return categories;
}

// With the learned tier on: lexicons only, each model tier alone, and fused, one column pair each.
nlohmann::json sideBySide(const Scorers& scorers, const TextRiskOptions& options) {
  nlohmann::json side = nlohmann::json::object();
  const std::vector<std::string> names = {"lexicons", "model-static", "model-full", "fused"};
  std::map<std::string, CorpusEvaluation> reports;
  for (const auto& name : names) {
    reports[name] = evaluateCorpus(scorers.make(name), options.eval_corpus, {1.0});
    side[name] = categoriesJson(reports[name]);
  }
  if (!options.json) {
    std::printf("%-20s", "precision/recall");
    for (const auto& name : names) std::printf(" %13s", name.c_str());
    std::printf("\n");
    for (const auto& [category, fused] : reports["fused"].categories) {
      std::printf("%-20s", category.c_str());
      for (const auto& name : names) {
        const auto& c = reports[name].categories[category];
        std::printf("   %5.3f/%5.3f", c.precision(), c.recall());
      }
      std::printf("\n");
    }
    std::printf("\n");
  }
  return side;
}

nlohmann::json generatedJson(const GeneratedVariantsEvaluation& generated,
                             const TextRiskOptions& options) {
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& [kind, counts] : generated.by_kind) {
    by_kind[kind] = {{"variants", counts.first}, {"judged_alike", counts.second}};
  }
  nlohmann::json unlike = nlohmann::json::array();
  for (const auto& u : generated.unlike) {
    unlike.push_back({{"id", u.id},
                      {"obfuscations", u.kinds},
                      {"text", u.text},
                      {"plain_flagged", u.plain_flagged},
                      {"variant_flagged", u.variant_flagged}});
  }
  return {{"per_message", options.obfuscate},
          {"seed", options.seed},
          {"variants", generated.variants},
          {"judged_alike", generated.judged_alike},
          {"by_obfuscation", by_kind},
          {"harmless_variants", generated.harmless_variants},
          {"harmless_newly_flagged", generated.harmless_newly_flagged},
          {"unlike", unlike}};
}

void printGenerated(const GeneratedVariantsEvaluation& generated, const TextRiskOptions& options) {
  if (generated.variants == 0) return;
  std::printf(
      "%d generated variants (%d per message, seed %llu): %d (%.3f) judged like their "
      "plain form; %d of %d variants of harmless messages flagged where the plain form "
      "is not\n",
      generated.variants, options.obfuscate, static_cast<unsigned long long>(options.seed),
      generated.judged_alike, static_cast<double>(generated.judged_alike) / generated.variants,
      generated.harmless_newly_flagged, generated.harmless_variants);
  for (const auto& [kind, counts] : generated.by_kind) {
    std::printf("  %-16s %5d variants, %.3f alike\n", kind.c_str(), counts.first,
                counts.first ? static_cast<double>(counts.second) / counts.first : 1.0);
  }
  for (const auto& u : generated.unlike) {
    std::string plain, variant;
    for (const auto& c : u.plain_flagged) plain += (plain.empty() ? "" : ",") + c;
    for (const auto& c : u.variant_flagged) variant += (variant.empty() ? "" : ",") + c;
    std::printf("  unlike %s (%s): \"%s\" flags [%s], plain [%s]\n", u.id.c_str(), u.kinds.c_str(),
                terminalSafe(u.text).c_str(), variant.c_str(), plain.c_str());
  }
}

int evaluate(const Scorers& scorers, const TextRiskOptions& options) {
  nlohmann::json side_by_side;
  if (options.side_by_side) side_by_side = sideBySide(scorers, options);
  const std::string scorer = options.scorer.empty() ? "fused" : options.scorer;
  const CorpusEvaluation report =
      evaluateCorpus(scorers.make(scorer), options.eval_corpus,
                     {options.variant_tolerance, options.obfuscate, options.seed});
  const nlohmann::json categories = categoriesJson(report);
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
                                {"scorer", scorers.learned ? scorer : "lexicons"},
                                {"categories", categories},
                                {"side_by_side", side_by_side},
                                {"misjudged", misjudged},
                                {"variants", report.variants},
                                {"variant_disagreements", disagreements},
                                {"generated", generatedJson(report.generated, options)},
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
    printGenerated(report.generated, options);
  }
  for (const auto& error : report.errors) std::cerr << error << "\n";
  return report.errors.empty() ? 0 : 1;
}

}  // namespace

int textRiskCommand(const TextRiskOptions& options) {
  const Scorers scorers = loadScorers(options);
  if (!scorers.lexicons) return 2;
  if (!options.eval_corpus.empty()) return evaluate(scorers, options);
  return scoreLines(scorers.make(options.scorer.empty() ? "fused" : options.scorer));
}

}  // namespace modstream::cli
