// text_features MODEL_DIR: the learned tier's two embeddings of each labelled message, computed by
// the C++ that scores posts, so the heads train on exactly the features they will see. Reads
// corpus JSON Lines ({"id": ..., "text": ...}) on stdin; writes {"id", "static", "full"} per line.
// Run by ops/models/train_heads.py.

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stages/text_risk/language_model.h"

namespace {

constexpr size_t kBatch = 32;

void flush(const modstream::LanguageModel& model, std::vector<std::string>& ids,
           std::vector<std::string>& texts) {
  if (texts.empty()) return;
  const auto full = model.fullEmbeddings(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::cout << nlohmann::json{{"id", ids[i]},
                                {"static", model.staticEmbedding(texts[i])},
                                {"full", full[i]}}
                     .dump()
              << "\n";
  }
  ids.clear();
  texts.clear();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: text_features MODEL_DIR < corpus.jsonl\n";
    return 2;
  }
  try {
    const modstream::LanguageModel model(argv[1], {});
    std::vector<std::string> ids;
    std::vector<std::string> texts;
    std::string line;
    for (size_t number = 1; std::getline(std::cin, line); ++number) {
      if (line.empty()) continue;
      const auto message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!message.is_object() || !message.contains("id") || !message.contains("text")) {
        std::cerr << "text_features: stdin line " << number << ": expected id and text\n";
        return 1;
      }
      ids.push_back(message["id"].get<std::string>());
      texts.push_back(message["text"].get<std::string>());
      if (texts.size() == kBatch) flush(model, ids, texts);
    }
    flush(model, ids, texts);
  } catch (const std::exception& e) {
    std::cerr << "text_features: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
