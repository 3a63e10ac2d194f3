#pragma once
// The lexicon and URL-list analysis shared by the pipeline stage, `modstream text-risk` and the
// benchmark: TextRiskConfig (the stage's YAML), TextRiskRules (lexicons compiled into one Hyperscan
// database, URL lists, thresholds and context factors; immutable, shared by all workers, swapped
// whole on reload) and TextRiskAnalyzer (one per worker: ICU normaliser and Hyperscan scratch).

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/core/stage.h"
#include "stages/text_risk/category_heads.h"
#include "stages/text_risk/lexicon.h"
#include "stages/text_risk/text_risk_score.h"
#include "stages/text_risk/url_list.h"

namespace modstream {

// Lexicon entries in this category mark reporting or quoting ("police said"): they discount the
// other hits of a text and score nothing themselves.
inline constexpr std::string_view kReportingCueCategory = "reporting_cue";

struct UrlListConfig {
  std::string name;
  std::string path;
  std::string category = "listed_url";  // the harm category its matches score in
  double weight = 1.0;
};

// The learned tier (`model:` in the stage's config): a language model's embeddings read by
// per-category heads. The static tier scores every post; the transformer runs for posts whose
// static probability in some category falls in the uncertain band, or in a high-risk context
// (a direct message to a minor, a low-trust sender, a lexicon hit below its threshold), within a
// per-second budget per process.
struct LearnedTierConfig {
  bool enabled = false;
  // The model directory from ops/models/fetch.sh; empty: $MODSTREAM_CACHE/models/<the model the
  // heads name> (MODSTREAM_CACHE defaults to ~/.cache/modstream).
  std::string directory;
  std::string heads = "models/text-risk-heads.json";  // relative to the config file
  double uncertain_low = 0.2;
  double uncertain_high = 0.8;
  double full_per_second = 10;  // transformer runs per second per process; 0: static tier only
  int batch_size = 16;          // most posts in one transformer call (a worker's look-ahead)
  double weight = 1.0;          // how much a model probability counts against lexicon evidence
};

struct TextRiskConfig {
  // Lexicon YAML files, or directories of them, relative to the config file.
  std::vector<std::string> lexicons = {"lexicons"};
  std::vector<UrlListConfig> url_lists;
  // The chat spellings table (chat_spellings.h), relative to the config file; empty: none.
  std::string chat_spellings;
  // A word list, one word per line (Debian's wamerican: /usr/share/dict/american-english),
  // relative to the config file or absolute. An evenly spaced run of letters ("i w i l l k i l l
  // y o u") splits into its words and the lexicons' when every letter belongs to one. Read lower
  // case without apostrophes ("I'm" is "im"); words with other characters, and words under three
  // letters once normalised that are no contraction, are skipped (the lexicons give the short
  // ones); capitalised words (names) cost more than others. Empty: the lexicons' words only.
  std::string word_list;
  double default_threshold = 0.5;
  std::map<std::string, double> thresholds;  // per category, overriding the default
  ScoringSettings scoring;
  // How often lexicon and URL list files are checked for changes; 0 disables (SIGHUP still works).
  int reload_check_interval_ms = 5000;
  LearnedTierConfig model;
};

TextRiskConfig parseTextRiskConfig(const YAML::Node& node, const std::string& path,
                                   ConfigErrors& errors);

class TextRiskRules {
 public:
  // Loads and compiles everything `config` names; problems go to `errors` (file:line or config
  // path). Returns nullptr when anything is wrong.
  static std::shared_ptr<const TextRiskRules> load(const TextRiskConfig& config,
                                                   const std::filesystem::path& base_dir,
                                                   const std::string& path, ConfigErrors& errors);
  // The files whose change should trigger a reload (lexicon files and directories, URL lists).
  static std::vector<std::filesystem::path> watchedFiles(const TextRiskConfig& config,
                                                         const std::filesystem::path& base_dir);

  const LexiconDatabase& lexicons() const { return *lexicons_; }
  const std::shared_ptr<const LexiconDatabase>& sharedLexicons() const { return lexicons_; }
  const UrlList& urls() const { return urls_; }
  const std::vector<UrlListConfig>& urlLists() const { return url_lists_; }
  double threshold(std::string_view category) const;
  const ScoringSettings& scoring() const { return scoring_; }
  // What an evenly spaced run may split into: the lexicons' words (cost 1) and the word list's
  // (cost 2, names 3: of two splits, the one using the words of the lexicons wins, so
  // "youintheface" is "you in the face" rather than three rarer words of the list).
  const TextNormalizer::WordCosts& spacedWordVocabulary() const { return spaced_words_; }

 private:
  std::shared_ptr<const LexiconDatabase> lexicons_;
  TextNormalizer::WordCosts spaced_words_;
  UrlList urls_;
  std::vector<UrlListConfig> url_lists_;
  double default_threshold_ = 0.5;
  std::map<std::string, double, std::less<>> thresholds_;
  ScoringSettings scoring_;
};

// Joins the learned tier's findings into `signal`: per category, noisy-or of the lexicon score and
// the model's probability (times `weight`, and counted more for a low-trust sender like lexicon
// evidence); a finding at or above its category's threshold becomes a reason naming the model's
// tier, its probability and the nearest labelled example.
void fuseModelFindings(const std::vector<ModelFinding>& findings, const TextRiskRules& rules,
                       const TextRiskContext& context, double weight, TextRiskSignal& signal);

// What a model finding counts for in its category when fused: its probability times `weight`, more
// for a low-trust sender. At or above the category's threshold it becomes a reason.
double modelEvidence(const ModelFinding& finding, const TextRiskRules& rules,
                     const TextRiskContext& context, double weight);

class TextRiskAnalyzer {
 public:
  TextRiskAnalyzer() = default;
  // Scores `text` with `rules`; switching rules between calls is cheap (new scratch space).
  TextRiskSignal analyze(const std::shared_ptr<const TextRiskRules>& rules, std::string_view text,
                         const TextRiskContext& context);

 private:
  TextNormalizer normalizer_;
  // Reused between calls, so a post allocates little more than what its signal keeps.
  NormalizedText normalized_;
  std::vector<Evidence> evidence_;
  EvidenceScorer scorer_;
  std::shared_ptr<const TextRiskRules> rules_;
  std::unique_ptr<LexiconScanner> scanner_;
};

}  // namespace modstream
