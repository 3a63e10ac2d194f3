#include "stages/text_risk/lexicon.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

using namespace modstream;

namespace {

std::string writeTemp(const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("modstream-lexicon-" + std::to_string(std::random_device{}()) + ".yaml");
  std::ofstream(path) << body;
  return path.string();
}

std::shared_ptr<const LexiconDatabase> database(const std::string& yaml) {
  TextNormalizer normalizer;
  ConfigErrors errors;
  auto entries = loadLexiconFile(writeTemp(yaml), normalizer, errors);
  INFO(errors.str());
  REQUIRE(errors.empty());
  return std::make_shared<LexiconDatabase>(std::move(entries));
}

const char* kThreats = R"(
category: threat_of_violence
language: en
entries:
  - {id: threat.kill-you, term: "I will kill you", weight: 0.9}
  - {id: threat.kill, term: "kill", weight: 0.3}
  - {id: grooming.secret, term: "our little secret", weight: 0.7}
  - {id: grooming.groom, term: "groom", weight: 0.4, prefix: true}
)";

}  // namespace

TEST_CASE("terms are found in obfuscated text and quoted from the original", "[lexicon]") {
  auto db = database(kThreats);
  LexiconScanner scanner(db);
  TextNormalizer normalizer;
  const std::string original = "listen. I w1ll K I L L   y0u tomorrow";
  auto normalized = normalizer.normalize(original);
  auto hits = scanner.scan(normalized.text);
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.entry->id);
  CHECK(std::count(ids.begin(), ids.end(), "threat.kill-you") == 1);
  CHECK(std::count(ids.begin(), ids.end(), "threat.kill") == 1);
  for (const auto& h : hits) {
    if (h.entry->id != "threat.kill-you") continue;
    auto [begin, end] = normalized.sourceSpan(h.begin, h.end);
    CHECK(original.substr(begin, end - begin) == "I w1ll K I L L   y0u");
  }
}

TEST_CASE("terms match whole words unless marked as prefixes", "[lexicon]") {
  auto db = database(kThreats);
  LexiconScanner scanner(db);
  TextNormalizer normalizer;
  CHECK(scanner.scan(normalizer.normalize("skill issue").text).empty());  // not "kill"
  CHECK(scanner.scan(normalizer.normalize("killer app").text).empty());
  auto grooming = scanner.scan(normalizer.normalize("stop grooming him").text);
  REQUIRE(grooming.size() == 1);
  CHECK(grooming[0].entry->id == "grooming.groom");
}

TEST_CASE("bad lexicon files are reported with their paths", "[lexicon]") {
  TextNormalizer normalizer;
  ConfigErrors errors;
  const auto path = writeTemp(R"(
language: en
entries:
  - {id: a, term: "x", weight: 2}
  - {term: "y"}
  - {id: c, term: "!!!"}
  - {id: d, term: "z", colour: red}
)");
  loadLexiconFile(path, normalizer, errors);
  INFO(errors.str());
  const std::string all = errors.str();
  CHECK_THAT(all, Catch::Contains(path + ".category: is required"));
  CHECK_THAT(all, Catch::Contains(path + ".entries[0].weight: must be between 0 and 1"));
  CHECK_THAT(all, Catch::Contains(path + ".entries[1].id: is required"));
  CHECK_THAT(all, Catch::Contains(path + ".entries[2].term: normalises to nothing"));
  CHECK_THAT(all, Catch::Contains(path + ".entries[3].colour: unknown key"));
}

TEST_CASE("duplicate ids are refused when the database is built", "[lexicon]") {
  TextNormalizer normalizer;
  std::vector<LexiconEntry> entries(2);
  entries[0].id = entries[1].id = "same";
  entries[0].normalized = "a";
  entries[1].normalized = "b";
  CHECK_THROWS_WITH(LexiconDatabase(entries), Catch::Contains("'same' is used twice"));
}

TEST_CASE("the shipped lexicons load cleanly and compile", "[lexicon]") {
  TextNormalizer normalizer;
  ConfigErrors errors;
  std::vector<LexiconEntry> entries;
  std::set<std::string> categories;
  for (const auto& file :
       std::filesystem::directory_iterator(MODSTREAM_SOURCE_DIR "/config/lexicons")) {
    auto loaded = loadLexiconFile(file.path().string(), normalizer, errors);
    for (const auto& e : loaded) categories.insert(e.category);
    entries.insert(entries.end(), loaded.begin(), loaded.end());
  }
  INFO(errors.str());
  CHECK(errors.empty());
  CHECK(categories.size() >= 4);
  CHECK_NOTHROW(LexiconDatabase(entries));
}
