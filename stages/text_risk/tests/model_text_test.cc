// ModelText on a small vocabulary: each obfuscation it undoes, and the text it must leave alone.

#include "stages/text_risk/model_text.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

using namespace modstream;

namespace {

BertTokenizer vocabularyOf(std::initializer_list<const char*> words) {
  nlohmann::json vocab = {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}};
  int32_t id = 3;
  for (const char* word : words) vocab[word] = id++;
  const nlohmann::json json = {
      {"added_tokens", nlohmann::json::array()},
      {"normalizer",
       {{"type", "BertNormalizer"},
        {"clean_text", true},
        {"handle_chinese_chars", true},
        {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}};
  // A name of its own: ctest runs each test case as a process, several at once.
  const auto path =
      std::filesystem::temp_directory_path() /
      ("modstream-model-text-vocab-" + std::to_string(std::random_device{}()) + ".json");
  std::ofstream(path) << json.dump();
  BertTokenizer tokenizer(path, 64);
  std::filesystem::remove(path);
  return tokenizer;
}

}  // namespace

TEST_CASE("model text: obfuscated words read as the word", "[text_risk][model_text]") {
  const auto vocabulary =
      vocabularyOf({"i", "will", "kill", "you", "shoot", "send", "nudes", "settle", "so", "good"});
  const ModelText model_text(vocabulary);
  CHECK(model_text.read("i will k i l l you") == "i will kill you");
  CHECK(model_text.read("i will k  i  l  l you") == "i will kill you");  // even wider spacing
  CHECK(model_text.read("i k i l l you") == "i kill you");  // a one-letter word before it
  CHECK(model_text.read("i will k.i.l.l you") == "i will kill you");
  CHECK(model_text.read("i will k_i_l_l you") == "i will kill you");
  CHECK(model_text.read("i will k1ll you!") == "i will kill you!");
  CHECK(model_text.read("$h00t") == "shoot");
  CHECK(model_text.read("5377l3 it") == "settle it");
  CHECK(model_text.read("s3nd nud3s") == "send nudes");
  CHECK(model_text.read("kiiiiill you") == "kill you");
  CHECK(model_text.read("sooooo gooood") == "so good");
  CHECK(model_text.read("ｋｉｌｌ you") == "kill you");        // fullwidth
  CHECK(model_text.read("k\u0456ll y\u043eu") == "kill you");  // Cyrillic і and о
}

TEST_CASE("model text: ordinary text is left as written", "[text_risk][model_text]") {
  const auto vocabulary = vocabularyOf({"i", "will", "kill", "you", "mp3", "see", "at"});
  const ModelText model_text(vocabulary);
  for (const char* text :
       {"I will see you at 5pm", "send the mp3", "meet at 10am on 2024-05-01", "a b", "e.g. this",
        "Hello, World!", "\u043f\u0440\u0438\u0432\u0435\u0442", "caf\u00e9 cr\u00e8me",
        "U.S. news", "wwwhat", ""}) {
    INFO(text);
    CHECK(model_text.read(text) == text);
  }
}

TEST_CASE("model text: the shortcut for plain ASCII posts skips nothing read() would undo",
          "[text_risk][model_text]") {
  const auto vocabulary = vocabularyOf({"i", "a", "kill", "you", "so", "ab", "ba", "k1", "mp3"});
  const ModelText model_text(vocabulary);
  const std::string alphabet = "aabkKiIlLyou    ..--__01345792@$!|#,?";
  std::mt19937 random(20261202);
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 24, ' ');
    for (auto& c : text) c = alphabet[random() % alphabet.size()];
    INFO("text: '" << text << "'");
    REQUIRE(model_text.read(text) == model_text.readEveryWord(text));
  }
}

TEST_CASE("model text: pictographs that carry meaning read as the word they show",
          "[text_risk][model_text]") {
  const auto vocabulary = vocabularyOf({"i", "will", "knife", "you", "skull", "ok"});
  const ModelText model_text(vocabulary);
  CHECK(model_text.read("i will \U0001F52A you") == "i will knife you");
  CHECK(model_text.read("ur\U0001F480\U0001F480") == "ur skull skull");  // each a word of its own
  CHECK(model_text.read("\u2620\uFE0F dead") == "skull dead");           // presentation selector
  CHECK(model_text.read("send \U0001F351\U0001F346") == "send peach eggplant");
  CHECK(model_text.read("ok \U0001F602") == "ok \U0001F602");  // decoration stays as written
}
