// BertTokenizer on a small hand-written tokenizer.json: the WordPiece rules, special tokens in the
// text, truncation, and the start-up errors that name the file and field. Identity with the
// reference library on the real model is tokenizer_compat_tokenizers' job.

#include "stages/text_risk/bert_tokenizer.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

using namespace modstream;

namespace {

nlohmann::json smallTokenizer() {
  return {{"added_tokens",
           {{{"id", 0}, {"content", "[PAD]"}, {"special", true}, {"normalized", false}},
            {{"id", 1}, {"content", "[UNK]"}, {"special", true}, {"normalized", false}},
            {{"id", 2}, {"content", "[CLS]"}, {"special", true}, {"normalized", false}},
            {{"id", 3}, {"content", "[SEP]"}, {"special", true}, {"normalized", false}}}},
          {"normalizer",
           {{"type", "BertNormalizer"},
            {"clean_text", true},
            {"handle_chinese_chars", true},
            {"strip_accents", nullptr},
            {"lowercase", true}}},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"model",
           {{"type", "WordPiece"},
            {"unk_token", "[UNK]"},
            {"continuing_subword_prefix", "##"},
            {"max_input_chars_per_word", 8},
            {"vocab",
             {{"[PAD]", 0},
              {"[UNK]", 1},
              {"[CLS]", 2},
              {"[SEP]", 3},
              {"kill", 4},
              {"##ing", 5},
              {"you", 6},
              {"!", 7},
              {"cafe", 8},
              {"你", 9}}}}}};
}

std::filesystem::path writeTokenizer(const nlohmann::json& json, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() / ("modstream-" + name + ".json");
  std::ofstream(path) << json.dump();
  return path;
}

}  // namespace

TEST_CASE("bert tokenizer: word pieces, accents, punctuation, special tokens and truncation",
          "[text_risk][tokenizer]") {
  const BertTokenizer tokenizer(writeTokenizer(smallTokenizer(), "tokenizer-small"), 8);
  using Ids = std::vector<int32_t>;
  CHECK(tokenizer.encode("Killing YOU!") == Ids{2, 4, 5, 6, 7, 3});
  CHECK(tokenizer.encode("CAFÉ\u200b") == Ids{2, 8, 3});         // accent and zero-width dropped
  CHECK(tokenizer.encode("kills") == Ids{2, 1, 3});              // no split into pieces: unknown
  CHECK(tokenizer.encode("killingkill") == Ids{2, 1, 3});        // past 8 characters: unknown
  CHECK(tokenizer.encode("you[SEP]you") == Ids{2, 6, 3, 6, 3});  // a special token in the text
  CHECK(tokenizer.encode("你你") == Ids{2, 9, 9, 3});            // ideographs split apart
  CHECK(tokenizer.encode("you you you you you you you") == Ids{2, 6, 6, 6, 6, 6, 6, 3});
  CHECK(tokenizer.encode("") == Ids{2, 3});
}

TEST_CASE("bert tokenizer: a file it cannot use is an error naming the file and the field",
          "[text_risk][tokenizer]") {
  CHECK_THROWS_WITH(BertTokenizer("/nonexistent/tokenizer.json", 256),
                    Catch::Contains("/nonexistent/tokenizer.json: cannot be read"));
  auto other_model = smallTokenizer();
  other_model["model"]["type"] = "BPE";
  const auto bpe = writeTokenizer(other_model, "tokenizer-bpe");
  CHECK_THROWS_WITH(BertTokenizer(bpe, 256),
                    Catch::Contains(bpe.string() + ": model.type: expected \"WordPiece\""));
  auto cased = smallTokenizer();
  cased["normalizer"]["lowercase"] = false;
  CHECK_THROWS_WITH(BertTokenizer(writeTokenizer(cased, "tokenizer-cased"), 256),
                    Catch::Contains("normalizer.lowercase: expected true"));
  auto no_sep = smallTokenizer();
  no_sep["model"]["vocab"].erase("[SEP]");
  CHECK_THROWS_WITH(BertTokenizer(writeTokenizer(no_sep, "tokenizer-nosep"), 256),
                    Catch::Contains("model.vocab: has no [SEP]"));
}

TEST_CASE("bert tokenizer: the ASCII fast path gives the general path's ids",
          "[text_risk][tokenizer]") {
  // A vocabulary of short pieces, so random words split into several, fall back to [UNK] midway
  // or run past max_input_chars_per_word; an alphabet dense in case, controls, spacing,
  // punctuation and the characters of special tokens.
  auto json = smallTokenizer();
  int32_t next_id = 10;
  for (const std::string piece : {"a", "b", "ab", "ba", "##a", "##b", "##ab", "##k", "k", "1"}) {
    json["model"]["vocab"][piece] = next_id++;
  }
  const BertTokenizer tokenizer(writeTokenizer(json, "tokenizer-pieces"), 24);
  const std::string alphabet =
      std::string("aAbBkK1  \t\n\r.!#-[]'SEPCLS") + '\0' + "\x01\x0b\x0c\x1f\x7f";
  std::mt19937 random(20261202);
  for (int round = 0; round < 5000; ++round) {
    std::string text(random() % 30, ' ');
    for (auto& c : text) c = alphabet[random() % alphabet.size()];
    INFO("text: '" << text << "'");
    REQUIRE(tokenizer.encode(text) == tokenizer.encodeGeneral(text));
  }
}
