// bert_tokenize TOKENIZER_JSON MAX_LENGTH: reads one JSON string per line from stdin and writes
// its token ids (space-separated) per line, for tokenizer_compat.py to compare with the reference.

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "stages/text_risk/bert_tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bert_tokenize TOKENIZER_JSON MAX_LENGTH < lines-of-json-strings\n";
    return 2;
  }
  try {
    const modstream::BertTokenizer tokenizer(argv[1], std::stoul(argv[2]));
    std::string line;
    while (std::getline(std::cin, line)) {
      const auto ids = tokenizer.encode(nlohmann::json::parse(line).get<std::string>());
      for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
      std::cout << '\n';
    }
  } catch (const std::exception& e) {
    std::cerr << "bert_tokenize: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
