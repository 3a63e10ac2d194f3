// ChatSpellings: shorthand read as the words it stands for on both sides of the lexicon scan, with
// reasons quoting what was written, and a table with a bad entry refused naming the entry.

#include "stages/text_risk/chat_spellings.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "stages/text_risk/text_risk_analyzer.h"

using namespace modstream;

namespace {

struct ConfigDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("modstream-chat-" + std::to_string(std::random_device{}()));
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;
  ConfigDir() {
    std::filesystem::create_directories(dir / "lexicons");
    std::ofstream(dir / "lexicons" / "threats.yaml")
        << "category: threat_of_violence\nentries:\n"
           "  - {id: threat.going-to-kill-you, term: \"going to kill you\", weight: 0.9}\n"
           "  - {id: threat.ur-dead, term: \"ur dead\", weight: 0.6}\n";
    writeTable(
        "language: en\nspellings:\n  - {written: u, reads: you}\n"
        "  - {written: ur, reads: your}\n  - {written: gonna, reads: going to}\n"
        "  - {written: \"2\", reads: to}\n"
        "  - {written: \"\U0001F480\", reads: dead}\n");
  }
  ~ConfigDir() { std::filesystem::remove_all(dir); }
  void writeTable(const std::string& yaml) const { std::ofstream(dir / "chat.yaml") << yaml; }
  std::shared_ptr<const TextRiskRules> load(const std::string& table, ConfigErrors& errors) const {
    TextRiskConfig config;
    config.chat_spellings = table;
    return TextRiskRules::load(config, dir, "text_risk", errors);
  }
};

}  // namespace

TEST_CASE("chat spellings: a term is spelled in full and with each shorthand",
          "[text_risk][chat_spellings]") {
  ConfigDir files;
  ConfigErrors errors;
  TextNormalizer normalizer;
  const auto table = ChatSpellings::load((files.dir / "chat.yaml").string(), normalizer, errors);
  REQUIRE(errors.empty());
  CHECK(table.size() == 5);
  using Spellings = std::vector<std::string>;
  CHECK(table.spellingsOf("going to ki you", "en") == Spellings{"going to ki you", "going to ki u",
                                                                "going 2 ki you", "going 2 ki u",
                                                                "gona ki you", "gona ki u"});
  CHECK(table.spellingsOf("ur dead", "en") ==
        Spellings{"your dead", "your \U0001F480", "ur dead", "ur \U0001F480"});  // read in full
  CHECK(table.spellingsOf("ultra", "en") == Spellings{"ultra"});                 // whole words only
  CHECK(ChatSpellings().spellingsOf("u r", "en") == Spellings{"u r"});
  // A written form with two readings: a term in shorthand is compiled in full both ways.
  files.writeTable(
      "spellings:\n  - {written: ur, reads: your}\n  - {written: ur, reads: you're}\n");
  const auto two = ChatSpellings::load((files.dir / "chat.yaml").string(), normalizer, errors);
  REQUIRE(errors.empty());
  CHECK(two.spellingsOf("ur dead", "en") == Spellings{"your dead", "ur dead", "youre dead"});
  CHECK(two.spellingsOf("youre dead", "en") == Spellings{"youre dead", "ur dead"});
  CHECK(table.spellingsOf("ur dead", "es") == Spellings{"ur dead"});  // another language's term
  // A term with many readings stops at kMaxSpellings.
  CHECK(table.spellingsOf("you you you you you you you", "en").size() ==
        ChatSpellings::kMaxSpellings);
}

TEST_CASE("chat spellings: posts in shorthand hit the term, quoting what was written",
          "[text_risk][chat_spellings]") {
  ConfigDir files;
  ConfigErrors errors;
  const auto model = files.load("chat.yaml", errors);
  REQUIRE(model);
  TextRiskAnalyzer analyzer;
  const auto gonna = analyzer.analyze(model, "im gonna kill u", TextRiskContext{});
  REQUIRE(gonna.reasons.size() == 1);
  CHECK(gonna.reasons[0].entry_id == "threat.going-to-kill-you");
  CHECK(gonna.reasons[0].quote == "gonna kill u");
  // A number alone stays a number when normalised, so it can stand for a word.
  const auto two = analyzer.analyze(model, "going 2 kill u", TextRiskContext{});
  REQUIRE(two.reasons.size() == 1);
  CHECK(two.reasons[0].quote == "going 2 kill u");
  // A term written in shorthand ("ur dead") is also found written in full.
  const auto your = analyzer.analyze(model, "your dead", TextRiskContext{});
  REQUIRE(your.reasons.size() == 1);
  CHECK(your.reasons[0].entry_id == "threat.ur-dead");
  // An emoji is a word of its own, so it can stand for one: "dead" as a skull.
  const auto skull = analyzer.analyze(model, "ur\U0001F480\U0001F480", TextRiskContext{});
  REQUIRE(skull.reasons.size() == 1);
  CHECK(skull.reasons[0].entry_id == "threat.ur-dead");
  CHECK(skull.reasons[0].quote == "ur\U0001F480");

  // Letters spaced out evenly split into the lexicons' words ("gona" is a spelling's word).
  const auto spaced = analyzer.analyze(model, "g o n n a k i l l u", {});
  REQUIRE(spaced.reasons.size() == 1);
  CHECK(spaced.reasons[0].entry_id == "threat.going-to-kill-you");
  CHECK(spaced.reasons[0].quote == "g o n n a k i l l u");
  // Emoji no term or spelling names are decoration: read as spaces, they split nothing.
  CHECK(model->lexicons().pictographs() == std::vector<int32_t>{0x1F480});
  const auto decorated =
      analyzer.analyze(model, "im gonna\U0001F602 kill\U0001F525\U0001F525 u\u2728", {});
  REQUIRE(decorated.reasons.size() == 1);
  CHECK(decorated.reasons[0].entry_id == "threat.going-to-kill-you");
  CHECK(decorated.reasons[0].quote == "gonna\U0001F602 kill\U0001F525\U0001F525 u");
  CHECK(analyzer.analyze(model, "ur \U0001F525", {}).reasons.empty());  // fire is not a skull

  // A word list adds the words outside the lexicons an evenly spaced run may hold.
  const std::string run = "g o i n g t o k i l l y o u t o m o r r o w";
  CHECK(analyzer.analyze(model, run, {}).reasons.empty());  // "tomorrow" is no lexicon word
  std::ofstream(files.dir / "words.txt") << "Tomorrow\nI'm\nno\nx-ray\n";
  TextRiskConfig with_words;
  with_words.chat_spellings = "chat.yaml";
  with_words.word_list = "words.txt";
  ConfigErrors word_errors;
  const auto worded = TextRiskRules::load(with_words, files.dir, "text_risk", word_errors);
  REQUIRE(worded);
  const auto& words = worded->spacedWordVocabulary();
  CHECK(words.collapsed.count("tomorow"));  // as the normaliser writes it
  CHECK(words.spelled.count("tomorrow"));   // and as spelled
  CHECK(words.collapsed.count("im"));       // a contraction, short as it is
  CHECK(!words.collapsed.count("no"));      // short words come from the lexicons
  CHECK(!words.collapsed.count("xray"));
  const auto split = analyzer.analyze(worded, run, {});
  REQUIRE(split.reasons.size() == 1);
  CHECK(split.reasons[0].entry_id == "threat.going-to-kill-you");
  with_words.word_list = "missing.txt";
  CHECK(!TextRiskRules::load(with_words, files.dir, "text_risk", word_errors));
  CHECK_THAT(word_errors.str(), Catch::Contains("text_risk.word_list"));

  ConfigErrors no_table_errors;
  const auto without = files.load("", no_table_errors);
  REQUIRE(without);
  CHECK(analyzer.analyze(without, "im gonna kill u", TextRiskContext{}).reasons.empty());
}

TEST_CASE("chat spellings: a table that cannot be read as written is refused, naming the entry",
          "[text_risk][chat_spellings]") {
  ConfigDir files;
  ConfigErrors errors;
  SECTION("one spelling twice, as the normaliser reads it") {
    files.writeTable(
        "spellings:\n  - {written: gonna, reads: going to}\n"
        "  - {written: gona, reads: Going To}\n");
    CHECK_FALSE(files.load("chat.yaml", errors));
    CHECK_THAT(errors.str(), Catch::Contains("spellings[1].written: 'gona' reading 'Going To' "
                                             "normalises like 'gonna' listed before it"));
  }
  SECTION("more than one written word") {
    files.writeTable("spellings:\n  - {written: \"u r\", reads: you are}\n");
    CHECK_FALSE(files.load("chat.yaml", errors));
    CHECK_THAT(errors.str(), Catch::Contains("spellings[0].written: 'u r' must be one word"));
  }
  SECTION("a reading the normaliser already gives") {
    files.writeTable("spellings:\n  - {written: kll, reads: kill}\n");
    CHECK_FALSE(files.load("chat.yaml", errors));
    CHECK_THAT(errors.str(), Catch::Contains("spellings[0].reads: 'kill' normalises to the "
                                             "written form"));
  }
  SECTION("a missing file") {
    CHECK_FALSE(files.load("nowhere.yaml", errors));
    CHECK_THAT(errors.str(),
               Catch::Contains("text_risk.chat_spellings: '" +
                               (files.dir / "nowhere.yaml").string() + "' does not exist"));
  }
}
