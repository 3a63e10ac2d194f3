// The text_risk stage as the pipeline builds it: config from YAML with path-named errors, posts
// scored with their context, media passed through, lexicons reloaded into running instances.

#include "stages/text_risk/text_risk_stage.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

struct LexiconDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("modstream-text-risk-" + std::to_string(std::random_device{}()));
  LexiconDir() {
    std::filesystem::create_directories(dir / "lexicons");
    write("threat.kill", "i will kill you");
  }
  ~LexiconDir() { std::filesystem::remove_all(dir); }
  void write(const std::string& id, const std::string& term) const {
    const auto temp = dir / "lexicons" / "threats.yaml.tmp";
    std::ofstream(temp) << "category: threat_of_violence\nentries:\n  - {id: " << id << ", term: \""
                        << term << "\", weight: 0.9}\n";
    std::filesystem::rename(temp, dir / "lexicons" / "threats.yaml");
  }
};

std::unique_ptr<StageFactory> build(const std::filesystem::path& dir, const std::string& yaml,
                                    ConfigErrors& errors) {
  testing::FixedClock clock(0);
  return textRiskStageBuilder()(YAML::Load(yaml), "stages[1].config",
                                StageEnvironment{dir, clock, nullptr}, errors);
}

Signals score(Stage& stage, const Content& content) {
  Signals signals;
  REQUIRE_FALSE(testing::processOne(stage, content, signals).error);
  return signals;
}

Post postOf(const std::string& text) {
  Post post;
  post.post_id = PostId("p");
  post.account_id = AccountId("a");
  post.text = text;
  return post;
}

}  // namespace

TEST_CASE("the stage scores a post and quotes the original text", "[text_risk]") {
  LexiconDir lexicons;
  ConfigErrors errors;
  auto factory = build(lexicons.dir, "{reload_check_interval_ms: 0}", errors);
  INFO(errors.str());
  REQUIRE(factory);
  auto stage = factory->create();
  const Signals signals = score(*stage, postOf("ok so I W1LL k i l l you"));
  REQUIRE(signals.text_risk);
  REQUIRE(signals.text_risk->categories.size() == 1);
  CHECK(signals.text_risk->categories[0].flagged);
  REQUIRE(signals.text_risk->reasons.size() == 1);
  CHECK(signals.text_risk->reasons[0].quote == "I W1LL k i l l you");
  CHECK_FALSE(score(*stage, postOf("lovely weather")).text_risk->anyFlagged());
  MediaRecord media{MediaId("m"), AccountId("a"), std::nullopt, "image/png", "x"};
  CHECK_FALSE(score(*stage, media).text_risk);  // media passes through
}

TEST_CASE("the post's context reaches the score", "[text_risk]") {
  LexiconDir lexicons;
  ConfigErrors errors;
  auto factory =
      build(lexicons.dir, "{reload_check_interval_ms: 0, default_threshold: 0.92}", errors);
  REQUIRE(factory);
  auto stage = factory->create();
  Post reply = postOf("i will kill you");
  CHECK_FALSE(score(*stage, reply).text_risk->anyFlagged());  // 0.9 < 0.92 in public
  reply.context.kind = PostKind::kReply;
  CHECK(score(*stage, reply).text_risk->anyFlagged());  // aimed at someone: 1 - 0.1^1.25
}

TEST_CASE("SIGHUP-style reload swaps lexicons into running instances", "[text_risk]") {
  LexiconDir lexicons;
  ConfigErrors errors;
  auto factory = build(lexicons.dir, "{reload_check_interval_ms: 0}", errors);
  REQUIRE(factory);
  auto stage = factory->create();
  CHECK_FALSE(score(*stage, postOf("watch your back")).text_risk->anyFlagged());
  lexicons.write("threat.watch", "watch your back");
  REQUIRE(factory->reload());
  CHECK(score(*stage, postOf("watch your back")).text_risk->anyFlagged());
  // A broken lexicon is refused and the previous one stays in use.
  std::ofstream(lexicons.dir / "lexicons" / "threats.yaml") << "category: [not, a, string\n";
  CHECK_FALSE(factory->reload());
  CHECK(score(*stage, postOf("watch your back")).text_risk->anyFlagged());
}

TEST_CASE("config problems are reported with their paths", "[text_risk]") {
  LexiconDir lexicons;
  ConfigErrors errors;
  auto factory = build(lexicons.dir,
                       "{lexicons: [missing-dir], thresholds: {grooming: 2}, "
                       "context: {quoted_weight: 5}, url_lists: [{name: u}], colour: red}",
                       errors);
  CHECK_FALSE(factory);
  const std::string all = errors.str();
  for (const char* expected :
       {"stages[1].config.thresholds.grooming: must be a number between 0 and 1",
        "stages[1].config.context.quoted_weight", "stages[1].config.url_lists[0].path",
        "stages[1].config.colour: unknown key"}) {
    INFO(all);
    CHECK(all.find(expected) != std::string::npos);
  }
  ConfigErrors missing;
  CHECK_FALSE(build(lexicons.dir, "{lexicons: [missing-dir]}", missing));
  CHECK(missing.str().find("stages[1].config.lexicons[0]: '") != std::string::npos);
}
