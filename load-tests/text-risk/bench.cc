// Text-risk throughput on one core: modstream's full path (ICU normalisation, one Hyperscan pass
// over every lexicon, URL extraction and list lookup, context scoring) against a naive baseline
// measured in the same run on the same texts: one case-insensitive std::regex per lexicon entry,
// searched over the raw text (no normalisation, so it also misses obfuscated spellings).
// Inputs, from the labelled corpus: "firehose" is every benign and hard-negative message plus one
// violating message in twenty (closer to real traffic, where most posts are benign), and "corpus"
// is every message (hit-dense: the worst case). Each is run as chat-sized messages and as posts of
// about 4 KB made by joining them. Prints one JSON object; run.sh writes the results.
//
//   text_risk_bench CONFIG SECONDS CORPUS.jsonl...

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "pipeline/config/pipeline_config.h"
#include "stages/text_risk/text_risk_analyzer.h"

using namespace modstream;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::shared_ptr<const TextRiskRules> loadRules(const std::string& config_file) {
  ConfigErrors errors;
  if (const auto found = readStageConfig(config_file, "text_risk", errors)) {
    const auto config = parseTextRiskConfig(found->stage.config, found->stage.path, errors);
    if (auto rules =
            TextRiskRules::load(config, found->pipeline.base_dir, found->stage.path, errors)) {
      return rules;
    }
  }
  std::cerr << "text_risk_bench: no usable text_risk stage in " << config_file << "\n"
            << errors.str();
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): single-threaded here, before any run
}

std::string regexEscape(const std::string& text) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{}-/)";
  std::string out;
  for (char c : text) {
    if (kSpecial.find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

struct Measured {
  double seconds = 0;
  uint64_t bytes = 0;
  uint64_t messages = 0;
  uint64_t flagged = 0;  // messages with at least one finding, in the first pass
  nlohmann::json json() const {
    return {{"mb_per_s", static_cast<double>(bytes) / seconds / 1e6},
            {"messages_per_s", static_cast<double>(messages) / seconds},
            {"messages_with_findings", flagged},
            {"seconds", seconds}};
  }
};

// Runs `score` over `texts` in full passes until `min_seconds` have passed.
template <typename Score>
Measured measure(const std::vector<std::string>& texts, double min_seconds, Score score) {
  Measured m;
  const auto start = SteadyClock::now();
  bool first = true;
  do {
    for (const auto& text : texts) {
      const bool found = score(text);
      if (first && found) ++m.flagged;
      m.bytes += text.size();
      ++m.messages;
    }
    first = false;
    m.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  } while (m.seconds < min_seconds);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: text_risk_bench CONFIG SECONDS CORPUS.jsonl...\n";
    return 2;
  }
  const auto rules = loadRules(argv[1]);
  const double seconds = std::stod(argv[2]);
  std::vector<std::string> corpus, firehose;
  size_t violating = 0;
  for (int i = 3; i < argc; ++i) {
    std::ifstream in(argv[i]);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto message = nlohmann::json::parse(line);
      const std::string text = message["text"];
      corpus.push_back(text);
      const bool benign = message["labels"].empty();
      if (benign || violating++ % 20 == 0) firehose.push_back(text);
    }
  }
  auto joined = [](const std::vector<std::string>& texts) {
    std::vector<std::string> posts(1);
    for (const auto& t : texts) {
      if (posts.back().size() > 4096) posts.emplace_back();
      posts.back() += t + "\n";
    }
    return posts;
  };
  const std::vector<std::pair<std::string, std::vector<std::string>>> inputs = {
      {"firehose_messages", firehose},
      {"firehose_posts", joined(firehose)},
      {"corpus_messages", corpus},
      {"corpus_posts", joined(corpus)}};

  std::vector<std::regex> naive;
  for (const auto& entry : rules->lexicons().entries()) {
    naive.emplace_back("\\b" + regexEscape(entry.term) + "\\b",
                       std::regex::icase | std::regex::ECMAScript | std::regex::optimize);
  }
  TextRiskAnalyzer analyzer;
  TextNormalizer normalizer;
  const TextRiskContext context;
  auto modstream = [&](const std::string& text) {
    return !analyzer.analyze(rules, text, context).reasons.empty();
  };
  auto normalizeOnly = [&](const std::string& text) {
    return normalizer.normalize(text).text.empty();
  };
  auto regexes = [&](const std::string& text) {
    bool found = false;
    for (const auto& pattern : naive) found |= std::regex_search(text, pattern);
    return found;
  };

  nlohmann::json result = {{"lexicon_entries", rules->lexicons().entries().size()}};
  // TEXT_RISK_BENCH_ONLY=modstream (say) runs one contender and TEXT_RISK_BENCH_INPUT=
  // firehose_messages (say) one input, for profiling.
  // Read before any thread starts; nothing calls setenv.
  const char* only = std::getenv("TEXT_RISK_BENCH_ONLY");         // NOLINT(concurrency-mt-unsafe)
  const char* only_input = std::getenv("TEXT_RISK_BENCH_INPUT");  // NOLINT(concurrency-mt-unsafe)
  const std::vector<std::pair<std::string, std::function<bool(const std::string&)>>> contenders = {
      {"modstream", modstream}, {"normalize_only", normalizeOnly}, {"naive_regex", regexes}};
  for (const auto& [name, texts] : inputs) {
    if (only_input && name != only_input) continue;
    uint64_t bytes = 0;
    for (const auto& t : texts) bytes += t.size();
    result[name] = {{"texts", texts.size()}, {"mean_bytes", bytes / texts.size()}};
    for (const auto& [contender, score] : contenders) {
      if (only && contender != only) continue;
      result[name][contender] = measure(texts, seconds, score).json();
    }
  }
  std::cout << result.dump(2) << "\n";
  return 0;
}
