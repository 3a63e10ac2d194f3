// sentence_embed MODEL_DIR: reads one JSON string per line from stdin and writes its embedding (a
// JSON list of floats) per line, for embedding_compat.py to compare with the reference. Texts are
// embedded in batches of 16, so padding is exercised too.

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stages/text_risk/sentence_encoder.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: sentence_embed MODEL_DIR < lines-of-json-strings\n";
    return 2;
  }
  try {
    const modstream::SentenceEncoder encoder(argv[1]);
    constexpr size_t kBatch = 16;
    std::vector<std::string> batch;
    auto flush = [&] {
      for (const auto& vector : encoder.embed(batch)) std::cout << nlohmann::json(vector) << '\n';
      batch.clear();
    };
    std::string line;
    while (std::getline(std::cin, line)) {
      batch.push_back(nlohmann::json::parse(line).get<std::string>());
      if (batch.size() == kBatch) flush();
    }
    flush();
  } catch (const std::exception& e) {
    std::cerr << "sentence_embed: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
