#include "stages/text_risk/text_risk_analyzer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "stages/text_risk/chat_spellings.h"

namespace modstream {
namespace {

// Adds `word` at `cost`, or lowers the cost of a word already there.
void keepCheapest(std::unordered_map<std::string, uint8_t>& words, std::string word, uint8_t cost) {
  if (word.empty()) return;
  auto [it, added] = words.emplace(std::move(word), cost);
  if (!added) it->second = std::min(it->second, cost);
}

// The lexicon files behind one configured entry: the file itself, or a directory's *.yaml files
// in name order (so ids and reload order do not depend on the file system).
std::vector<std::filesystem::path> lexiconFiles(const std::filesystem::path& entry) {
  std::error_code ec;
  if (!std::filesystem::is_directory(entry, ec)) return {entry};
  std::vector<std::filesystem::path> files;
  for (const auto& file : std::filesystem::directory_iterator(entry, ec)) {
    if (file.path().extension() == ".yaml") files.push_back(file.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void parseScoring(ConfigMap map, ScoringSettings& scoring) {
  map.field("quoted_weight", scoring.quoted_weight, {0.0, 1.0});
  map.field("reporting_weight", scoring.reporting_weight, {0.0, 1.0});
  map.field("minor_recipient_evidence", scoring.minor_recipient_evidence, {0.0, 10.0});
  map.field("new_account_evidence", scoring.new_account_evidence, {0.0, 10.0});
  map.field("new_account_days", scoring.new_account_days, {0, 36500});
  map.field("directed_evidence", scoring.directed_evidence, {0.0, 10.0});
  map.field("low_trust_evidence", scoring.low_trust_evidence, {0.0, 10.0});
  map.field("low_trust_below", scoring.low_trust_below, {0.0, 1.0});
  map.finish();
}

void parseLearnedTier(ConfigMap map, LearnedTierConfig& config, ConfigErrors& errors) {
  map.field("enabled", config.enabled);
  map.field("directory", config.directory);
  map.field("heads", config.heads);
  map.field("uncertain_low", config.uncertain_low, {0.0, 1.0});
  map.field("uncertain_high", config.uncertain_high, {0.0, 1.0});
  map.field("full_per_second", config.full_per_second, {0.0, 1e6});
  map.field("weight", config.weight, {0.0, 1.0});
  map.field("batch_size", config.batch_size, {1, 256});
  if (config.uncertain_low > config.uncertain_high) {
    errors.add(map.pathOf("uncertain_low"), "must not be above uncertain_high");
  }
  map.finish();
}

}  // namespace

TextRiskConfig parseTextRiskConfig(const YAML::Node& node, const std::string& path,
                                   ConfigErrors& errors) {
  TextRiskConfig config;
  ConfigMap map(node, path, errors);
  if (map.has("lexicons")) {
    config.lexicons.clear();
    const auto items = map.sequence("lexicons");
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].IsScalar() || items[i].Scalar().empty()) {
        errors.add(map.pathOf("lexicons") + "[" + std::to_string(i) + "]",
                   "expected a file or directory path");
        continue;
      }
      config.lexicons.push_back(items[i].Scalar());
    }
    if (config.lexicons.empty()) errors.add(map.pathOf("lexicons"), "at least one is required");
  }
  const auto lists = map.sequence("url_lists");
  std::set<std::string> names;
  for (size_t i = 0; i < lists.size(); ++i) {
    ConfigMap item(lists[i], map.pathOf("url_lists") + "[" + std::to_string(i) + "]", errors);
    UrlListConfig list;
    item.field("name", list.name, /*required=*/true);
    item.field("path", list.path, /*required=*/true);
    item.field("category", list.category);
    item.field("weight", list.weight, {0.0, 1.0});
    item.finish();
    if (!list.name.empty() && !names.insert(list.name).second) {
      errors.add(item.pathOf("name"), "'" + list.name + "' is used twice");
    }
    config.url_lists.push_back(std::move(list));
  }
  map.field("chat_spellings", config.chat_spellings);
  map.field("word_list", config.word_list);
  map.field("default_threshold", config.default_threshold, {0.0, 1.0});
  if (const YAML::Node thresholds = map.raw("thresholds"); thresholds && !thresholds.IsNull()) {
    if (!thresholds.IsMap()) {
      errors.add(map.pathOf("thresholds"), "expected a mapping of category to threshold");
    } else {
      for (const auto& pair : thresholds) {
        const std::string category = keyText(pair.first);
        const std::string where = map.pathOf("thresholds") + "." + category;
        double value = -1;
        try {
          value = pair.second.as<double>();
        } catch (const YAML::Exception&) {
        }
        if (value < 0 || value > 1) {
          errors.add(where, "must be a number between 0 and 1");
        } else {
          config.thresholds[category] = value;
        }
      }
    }
  }
  parseScoring(map.child("context"), config.scoring);
  parseLearnedTier(map.child("model"), config.model, errors);
  map.field("reload_check_interval_ms", config.reload_check_interval_ms, {0, 3600000});
  map.finish();
  return config;
}

std::vector<std::filesystem::path> TextRiskRules::watchedFiles(
    const TextRiskConfig& config, const std::filesystem::path& base_dir) {
  std::vector<std::filesystem::path> watched;
  for (const auto& entry : config.lexicons) {
    const auto path = base_dir / entry;
    watched.push_back(path);  // a directory's time changes when files come or go
    for (const auto& file : lexiconFiles(path)) {
      if (file != path) watched.push_back(file);
    }
  }
  for (const auto& list : config.url_lists) watched.push_back(base_dir / list.path);
  if (!config.chat_spellings.empty()) watched.push_back(base_dir / config.chat_spellings);
  if (!config.word_list.empty()) watched.push_back(base_dir / config.word_list);
  return watched;
}

std::shared_ptr<const TextRiskRules> TextRiskRules::load(const TextRiskConfig& config,
                                                         const std::filesystem::path& base_dir,
                                                         const std::string& path,
                                                         ConfigErrors& errors) {
  const size_t errors_before = errors.all().size();
  auto rules = std::make_shared<TextRiskRules>();
  TextNormalizer normalizer;
  ChatSpellings chat_spellings;
  if (!config.chat_spellings.empty()) {
    const auto file = base_dir / config.chat_spellings;
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
      chat_spellings = ChatSpellings::load(file.string(), normalizer, errors);
    } else {
      errors.add(path + ".chat_spellings", "'" + file.string() + "' does not exist");
    }
  }
  if (!config.word_list.empty()) {
    const auto file = base_dir / config.word_list;
    std::ifstream in(file);
    if (!in) {
      errors.add(path + ".word_list", "'" + file.string() + "' cannot be read");
    }
    for (std::string line; std::getline(in, line);) {
      // Lower case, apostrophes dropped: "I'm" is "im".
      std::string word;
      bool letters_only = true;
      for (const char c : line) {
        if (c == '\'') continue;
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        letters_only = letters_only && lower >= 'a' && lower <= 'z';
        word += lower;
      }
      if (!letters_only) continue;
      std::string normalized = normalizer.normalize(word).text;
      // Short words come from the lexicons, and from here only as contractions: normalised, many
      // rare words shrink to two letters ("ilk" is "ik") and would split "i k n o w" wrongly.
      const bool contraction = line.find('\'') != std::string::npos;
      if (normalized.size() < (contraction ? 2u : 3u)) continue;
      if (normalized.find(' ') != std::string::npos) continue;
      // Names are a rarer reading than common words ("b e t h e" is "be the", not "Bethe").
      const uint8_t cost = std::isupper(static_cast<unsigned char>(line[0])) ? 3 : 2;
      keepCheapest(rules->spaced_words_.collapsed, std::move(normalized), cost);
      keepCheapest(rules->spaced_words_.spelled, TextNormalizer::spelling(line), cost);
    }
  }
  std::vector<LexiconEntry> entries;
  for (size_t i = 0; i < config.lexicons.size(); ++i) {
    const auto entry = base_dir / config.lexicons[i];
    std::error_code ec;
    if (!std::filesystem::exists(entry, ec)) {
      errors.add(path + ".lexicons[" + std::to_string(i) + "]",
                 "'" + entry.string() + "' does not exist");
      continue;
    }
    for (const auto& file : lexiconFiles(entry)) {
      auto loaded = loadLexiconFile(file.string(), normalizer, errors);
      entries.insert(entries.end(), loaded.begin(), loaded.end());
    }
  }
  if (entries.empty() && errors.all().size() == errors_before) {
    errors.add(path + ".lexicons", "no lexicon entries found");
  }
  for (size_t i = 0; i < config.url_lists.size(); ++i) {
    const auto& list = config.url_lists[i];
    rules->urls_.load(list.name, (base_dir / list.path).string(), errors);
  }
  if (errors.all().size() != errors_before) return nullptr;
  for (auto& entry : entries) {
    for (auto& spelling : chat_spellings.spellingsOf(entry.normalized, entry.language)) {
      if (spelling != entry.normalized) entry.spellings.push_back(std::move(spelling));
    }
  }
  try {
    rules->lexicons_ = std::make_shared<const LexiconDatabase>(std::move(entries));
  } catch (const std::exception& e) {
    errors.add(path + ".lexicons", e.what());
    return nullptr;
  }
  for (const auto& word : rules->lexicons_->words()) rules->spaced_words_.collapsed[word] = 1;
  for (const auto& entry : rules->lexicons_->entries()) {
    std::istringstream words(entry.term);
    for (std::string word; words >> word;) {
      if (auto spelled = TextNormalizer::spelling(word); !spelled.empty()) {
        rules->spaced_words_.spelled[std::move(spelled)] = 1;
      }
    }
  }
  rules->url_lists_ = config.url_lists;
  rules->default_threshold_ = config.default_threshold;
  rules->thresholds_.insert(config.thresholds.begin(), config.thresholds.end());
  rules->scoring_ = config.scoring;
  return rules;
}

double TextRiskRules::threshold(std::string_view category) const {
  auto it = thresholds_.find(category);
  return it == thresholds_.end() ? default_threshold_ : it->second;
}

TextRiskSignal TextRiskAnalyzer::analyze(const std::shared_ptr<const TextRiskRules>& rules,
                                         std::string_view text, const TextRiskContext& context) {
  if (rules != rules_) {
    scanner_ = std::make_unique<LexiconScanner>(rules->sharedLexicons());
    rules_ = rules;
    normalizer_.keepOnlyPictographs(&rules_->lexicons().pictographs());
    normalizer_.splitSpacedWordsInto(&rules_->spacedWordVocabulary());
  }
  normalizer_.normalize(text, normalized_);
  const NormalizedText& normalized = normalized_;
  std::vector<Evidence>& evidence = evidence_;
  evidence.clear();
  TextRiskSignal signal;
  std::vector<TextReason>& reasons = signal.reasons;
  bool reporting = false;
  for (const auto& hit : scanner_->scan(normalized.text)) {
    if (hit.entry->category == kReportingCueCategory) {
      reporting = true;
      continue;
    }
    const auto [begin, end] = normalized.sourceSpan(hit.begin, hit.end);
    evidence.push_back({hit.entry, hit.entry->category, hit.entry->weight, begin, end});
    reasons.push_back({"lexicon", hit.entry->id, hit.entry->category, 0, false, begin, end,
                       std::string(text.substr(begin, end - begin)), "", "", "", 0});
  }
  if (rules->urls().size() > 0) {
    for (const auto& found : findUrls(text)) {
      const auto url = normalizeUrl(found.url);
      if (!url) continue;
      for (const UrlListEntry* entry : rules->urls().match(*url)) {
        const auto& list = *std::find_if(rules->urlLists().begin(), rules->urlLists().end(),
                                         [&](const auto& l) { return l.name == entry->list; });
        evidence.push_back({entry, list.category, list.weight, found.begin, found.end, false});
        reasons.push_back({"url_list", entry->entry_id, list.category, 0, false, found.begin,
                           found.end,
                           std::string(text.substr(found.begin, found.end - found.begin)),
                           entry->list, entry->list_category, "", 0});
      }
    }
  }
  const TextRiskScores& scores =
      scorer_.score(evidence, reporting, text, context, rules->scoring());
  signal.reporting = scores.reporting;
  for (size_t i = 0; i < reasons.size(); ++i) {
    reasons[i].weight = scores.scored[i].effective_weight;
    reasons[i].quoted = scores.scored[i].quoted;
  }
  // In reading order (hits come in the order their terms end, URLs after them). Most posts are
  // in order already, and stable_sort would allocate to find that out.
  auto byStart = [](const TextReason& a, const TextReason& b) { return a.begin < b.begin; };
  if (!std::is_sorted(reasons.begin(), reasons.end(), byStart)) {
    std::stable_sort(reasons.begin(), reasons.end(), byStart);
  }
  for (const auto& [category, score] : scores.by_category) {
    const double threshold = rules->threshold(category);
    signal.categories.push_back({std::string(category), score, threshold, score >= threshold});
  }
  return signal;
}

double modelEvidence(const ModelFinding& finding, const TextRiskRules& rules,
                     const TextRiskContext& context, double weight) {
  const auto& scoring = rules.scoring();
  const double probability = finding.probability * weight;
  const bool low_trust = context.account_trust && *context.account_trust < scoring.low_trust_below;
  return low_trust ? 1 - std::pow(1 - probability, scoring.low_trust_evidence) : probability;
}

void fuseModelFindings(const std::vector<ModelFinding>& findings, const TextRiskRules& rules,
                       const TextRiskContext& context, double weight, TextRiskSignal& signal) {
  constexpr double kNegligibleProbability = 0.01;
  for (const auto& finding : findings) {
    const double probability = modelEvidence(finding, rules, context, weight);
    auto it = std::find_if(signal.categories.begin(), signal.categories.end(),
                           [&](const auto& c) { return c.category == finding.category; });
    if (it == signal.categories.end()) {
      // A category neither the lexicons nor the model see stays out of the signal.
      if (probability < kNegligibleProbability) continue;
      signal.categories.push_back({finding.category, 0, rules.threshold(finding.category), false});
      it = signal.categories.end() - 1;
    }
    it->score = 1 - (1 - it->score) * (1 - probability);
    it->flagged = it->score >= it->threshold;
    if (probability < it->threshold) continue;
    TextReason reason;
    reason.source = "model";
    reason.entry_id = finding.nearest_example;
    reason.category = finding.category;
    reason.weight = probability;
    reason.model_tier = std::string(modelTierName(finding.tier));
    reason.similarity = finding.similarity;
    signal.reasons.push_back(std::move(reason));
  }
  std::sort(signal.categories.begin(), signal.categories.end(),
            [](const auto& a, const auto& b) { return a.category < b.category; });
}

}  // namespace modstream
