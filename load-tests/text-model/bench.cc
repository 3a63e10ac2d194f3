// Text-model throughput: modstream's SentenceEncoder (C++ tokenizer, TorchScript on libtorch) on
// the labelled corpus's messages, unbatched and in batches, and the tokenizer alone; the learned
// tier's cheap static tier (token-embedding mean and every category's head) beside the lexicon
// scan every post already pays. run.sh measures the reference (PyPI transformers on the same
// torch, same threads) in the same run and reports the ratios. Prints one JSON object.
//
//   text_model_bench MODEL_DIR SECONDS BATCH CONFIG_DIR CORPUS.jsonl...

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "stages/text_risk/language_model.h"
#include "stages/text_risk/sentence_encoder.h"
#include "stages/text_risk/text_risk_analyzer.h"

using namespace modstream;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::vector<std::string> corpusTexts(int argc, char** argv, int first) {
  std::vector<std::string> texts;
  for (int i = first; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("text"));
    }
  }
  return texts;
}

// Messages per second of `step` (which handles `per_step` messages), run for at least `seconds`.
double rate(double seconds, size_t per_step, const std::function<void(size_t)>& step) {
  size_t steps = 0;
  const auto start = SteadyClock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    step(steps++);
    elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  }
  return static_cast<double>(steps * per_step) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: text_model_bench MODEL_DIR SECONDS BATCH CONFIG_DIR CORPUS.jsonl...\n";
    return 2;
  }
  const std::filesystem::path model_dir = argv[1];
  const double seconds = std::stod(argv[2]);
  const size_t batch = std::stoul(argv[3]);
  const std::filesystem::path config_dir = argv[4];
  const auto texts = corpusTexts(argc, argv, 5);
  const SentenceEncoder encoder(model_dir);
  const BertTokenizer tokenizer(model_dir / "tokenizer.json", 256);

  size_t tokens = 0;
  for (const auto& text : texts) tokens += tokenizer.encode(text).size();
  const double tokenizer_rate =
      rate(seconds, 1, [&](size_t i) { tokenizer.encode(texts[i % texts.size()]); });
  const double single_rate =
      rate(seconds, 1, [&](size_t i) { encoder.embed({texts[i % texts.size()]}); });
  const double batched_rate = rate(seconds, batch, [&](size_t i) {
    std::vector<std::string> group;
    for (size_t k = 0; k < batch; ++k) group.push_back(texts[(i * batch + k) % texts.size()]);
    encoder.embed(group);
  });
  ConfigErrors errors;
  const auto heads =
      CategoryHeads::load(config_dir / "models" / "text-risk-heads.json", "heads", errors);
  const auto lexicons = TextRiskRules::load(TextRiskConfig{}, config_dir, "text_risk", errors);
  if (!heads || !lexicons) {
    std::cerr << errors.str();
    return 1;
  }
  const LanguageModel model(model_dir, heads->modelFiles());
  const TextRiskContext context;
  const double static_rate = rate(seconds, 1, [&](size_t i) {
    const auto embedding = model.staticEmbedding(texts[i % texts.size()]);
    heads->score(ModelTier::kStatic, {embedding, {}}, context);
  });
  TextRiskAnalyzer analyzer;
  const double lexicon_rate = rate(
      seconds, 1, [&](size_t i) { analyzer.analyze(lexicons, texts[i % texts.size()], context); });
  std::cout << nlohmann::json{{"texts", texts.size()},
                              {"static_tier_messages_per_s", static_rate},
                              {"lexicons_messages_per_s", lexicon_rate},
                              {"mean_tokens",
                               static_cast<double>(tokens) / static_cast<double>(texts.size())},
                              {"batch", batch},
                              {"tokenizer_messages_per_s", tokenizer_rate},
                              {"unbatched_messages_per_s", single_rate},
                              {"batched_messages_per_s", batched_rate}}
                   .dump()
            << "\n";
  return 0;
}
