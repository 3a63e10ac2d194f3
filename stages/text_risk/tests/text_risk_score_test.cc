#include "stages/text_risk/text_risk_score.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

using namespace modstream;

namespace {

struct Scorer {
  TextNormalizer normalizer;
  std::shared_ptr<const LexiconDatabase> database;
  Scorer() {
    const auto path = std::filesystem::temp_directory_path() /
                      ("modstream-score-" + std::to_string(std::random_device{}()) + ".yaml");
    std::ofstream(path) << R"(
category: threat_of_violence
entries:
  - {id: t.kill-you, term: "i will kill you", weight: 0.9}
  - {id: t.kill, term: "kill", weight: 0.3}
)";
    std::ofstream(path.string() + "2.yaml") << R"(
category: grooming
entries:
  - {id: g.age, term: "how old are you", weight: 0.3}
)";
    ConfigErrors errors;
    auto entries = loadLexiconFile(path.string(), normalizer, errors);
    auto more = loadLexiconFile(path.string() + "2.yaml", normalizer, errors);
    entries.insert(entries.end(), more.begin(), more.end());
    REQUIRE(errors.empty());
    database = std::make_shared<LexiconDatabase>(std::move(entries));
  }
  double score(const std::string& text, const std::string& category, TextRiskContext context = {}) {
    LexiconScanner scanner(database);
    auto normalized = normalizer.normalize(text);
    auto hits = scanner.scan(normalized.text);
    auto scores = scoreHits(hits, normalized, text, context);
    auto it = scores.by_category.find(category);
    return it == scores.by_category.end() ? 0.0 : it->second;
  }
};

}  // namespace

TEST_CASE("distinct hits combine as a noisy-or and repeats count once", "[score]") {
  Scorer s;
  CHECK(s.score("kill kill kill", "threat_of_violence") == Approx(0.3));
  // Overlapping hits are one piece of evidence: the strongest.
  CHECK(s.score("I will kill you", "threat_of_violence") == Approx(0.9));
  // Separate hits combine: 1 - (1 - 0.9)(1 - 0.3).
  CHECK(s.score("I will kill you. kill", "threat_of_violence") == Approx(1 - 0.1 * 0.7));
  CHECK(s.score("lovely weather", "threat_of_violence") == 0.0);
}

TEST_CASE("quoted and reported threats do not score like threats", "[score]") {
  Scorer s;
  const double direct = s.score("I will kill you", "threat_of_violence");
  const double news = s.score(
      "police said the suspect told her 'I will kill you' before the attack", "threat_of_violence");
  const double quoted = s.score("he wrote \"I will kill you\" on my wall", "threat_of_violence");
  CHECK(direct >= 0.9);
  CHECK(news < 0.5);
  CHECK(quoted < 0.5);
  CHECK(s.score("I'll say it: I will kill you", "threat_of_violence") >= 0.9);  // apostrophe
}

TEST_CASE("a direct message to a minor counts grooming evidence twice", "[score]") {
  Scorer s;
  const double public_post = s.score("how old are you", "grooming");
  TextRiskContext dm{true, true, 400};
  TextRiskContext dm_new{true, true, 2};
  CHECK(public_post == Approx(0.3));
  CHECK(s.score("how old are you", "grooming", dm) == Approx(1 - 0.7 * 0.7));
  CHECK(s.score("how old are you", "grooming", dm_new) >
        s.score("how old are you", "grooming", dm));
  // Threat scores do not depend on the audience.
  CHECK(s.score("I will kill you", "threat_of_violence", dm) ==
        Approx(s.score("I will kill you", "threat_of_violence")));
}
