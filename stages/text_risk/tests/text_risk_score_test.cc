#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "stages/text_risk/text_risk_analyzer.h"

using namespace modstream;

namespace {

struct Scorer {
  std::shared_ptr<const TextRiskRules> rules;
  TextRiskAnalyzer analyzer;
  Scorer() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("modstream-score-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "threats.yaml") << R"(
category: threat_of_violence
entries:
  - {id: t.kill-you, term: "i will kill you", weight: 0.9}
  - {id: t.kill, term: "kill", weight: 0.3}
)";
    std::ofstream(dir / "grooming.yaml") << R"(
category: grooming
entries:
  - {id: g.age, term: "how old are you", weight: 0.3}
)";
    std::ofstream(dir / "cues.yaml") << R"(
category: reporting_cue
entries:
  - {id: cue.police-said, term: "police said", weight: 1.0}
)";
    ConfigErrors errors;
    TextRiskConfig config;
    config.lexicons = {dir.string()};
    rules = TextRiskRules::load(config, "/", "text_risk", errors);
    INFO(errors.str());
    REQUIRE(rules);
  }
  double score(const std::string& text, const std::string& category, TextRiskContext context = {}) {
    const auto signal = analyzer.analyze(rules, text, context);
    for (const auto& c : signal.categories) {
      if (c.category == category) return c.score;
    }
    return 0.0;
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
  // A spaced-out apostrophe neither opens nor closes a quotation.
  CHECK(s.score("he wrote \"I ' m  s a y i n g  I  w i l l  k i l l  y o u\" on my wall",
                "threat_of_violence") < 0.5);
  CHECK(s.score("it ' s true, I will kill you", "threat_of_violence") >= 0.9);
}

TEST_CASE("a reporting cue halves every hit and scores nothing itself", "[score]") {
  Scorer s;
  // Unquoted, so only the reporting discount applies: 0.9 * 0.5 ("kill" inside it overlaps).
  CHECK(s.score("police said i will kill you", "threat_of_violence") == Approx(0.45));
  CHECK(s.score("police said", "reporting_cue") == 0.0);
  CHECK(s.score("police said how old are you", "grooming") == Approx(0.15));
}

TEST_CASE("a direct message to a minor counts grooming evidence twice", "[score]") {
  Scorer s;
  const double public_post = s.score("how old are you", "grooming");
  TextRiskContext dm;
  dm.direct_message = dm.recipient_is_minor = true;
  dm.account_age_days = 400;
  TextRiskContext dm_new = dm;
  dm_new.account_age_days = 2;
  CHECK(public_post == Approx(0.3));
  CHECK(s.score("how old are you", "grooming", dm) == Approx(1 - 0.7 * 0.7));
  CHECK(s.score("how old are you", "grooming", dm_new) >
        s.score("how old are you", "grooming", dm));
  // The recipient's age does not change a threat; aiming it at a person (a DM or a reply) does.
  TextRiskContext dm_adult = dm;
  dm_adult.recipient_is_minor = false;
  CHECK(s.score("I will kill you", "threat_of_violence", dm) ==
        Approx(s.score("I will kill you", "threat_of_violence", dm_adult)));
  CHECK(s.score("I will kill you", "threat_of_violence", dm) == Approx(1 - std::pow(0.1, 1.25)));
  CHECK(s.score("I will kill you", "threat_of_violence") == Approx(0.9));
}

TEST_CASE("low trust from reputation weighs every category more", "[score]") {
  Scorer s;
  TextRiskContext low_trust;
  low_trust.account_trust = 0.1;
  TextRiskContext trusted;
  trusted.account_trust = 0.9;
  CHECK(s.score("how old are you", "grooming", trusted) == Approx(0.3));
  CHECK(s.score("how old are you", "grooming", low_trust) == Approx(1 - std::pow(0.7, 1.5)));
}
