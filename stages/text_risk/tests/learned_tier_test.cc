// The learned tier with the real model (ops/models/fetch.sh) and the shipped heads: looking ahead
// batches the transformer without changing any score, the budget caps transformer runs, and the
// findings name the nearest labelled example. Labelled "evaluation": it loads libtorch's model,
// which the sanitizer builds do not run.

#include "stages/text_risk/learned_tier.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "stages/text_risk/text_risk_stage.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

const std::filesystem::path kConfigDir = MODSTREAM_SOURCE_DIR "/config";

Post directMessageToMinor(const std::string& id, const std::string& text) {
  Post post;
  post.post_id = PostId(id);
  post.account_id = AccountId("sender");
  post.text = text;
  post.context.kind = PostKind::kDirectMessage;
  post.context.recipient_is_minor = true;
  return post;
}

std::unique_ptr<StageFactory> buildStage(const std::string& model_yaml,
                                         prometheus::Registry& registry, ConfigErrors& errors) {
  testing::FixedClock clock(0);
  return textRiskStageBuilder()(YAML::Load("{model: " + model_yaml + "}"), "stages[1].config",
                                StageEnvironment{kConfigDir, clock, &registry}, errors);
}

Signals process(Stage& stage, const Post& post) {
  Signals signals;
  REQUIRE_FALSE(testing::processOne(stage, post, signals).error);
  return signals;
}

}  // namespace

TEST_CASE("looking ahead runs the transformer once for a run of posts, with the same scores",
          "[text_model]") {
  const std::vector<Post> posts = {
      directMessageToMinor("p1", "delete our chat after, it's our secret"),
      directMessageToMinor("p2", "send me a pic in your pyjamas"),
      directMessageToMinor("p3", "don't forget your PE kit tomorrow, love dad"),
      directMessageToMinor("p4", "meet me behind the shops after school, come alone")};
  prometheus::Registry one_by_one_metrics;
  prometheus::Registry batched_metrics;
  ConfigErrors errors;
  auto one_by_one = buildStage("{enabled: true, batch_size: 16}", one_by_one_metrics, errors);
  auto batched = buildStage("{enabled: true, batch_size: 16}", batched_metrics, errors);
  REQUIRE(one_by_one);
  REQUIRE(batched);
  auto single_stage = one_by_one->create();
  auto batched_stage = batched->create();
  REQUIRE(batched_stage->wantsLookAhead());
  std::vector<const Content*> upcoming;
  std::vector<Content> contents(posts.begin(), posts.end());
  for (const auto& content : contents) upcoming.push_back(&content);
  batched_stage->lookAhead(upcoming);
  bool any_model_reason = false;
  for (const auto& post : posts) {
    const auto single = process(*single_stage, post);
    const auto looked_ahead = process(*batched_stage, post);
    REQUIRE(single.text_risk->categories.size() == looked_ahead.text_risk->categories.size());
    for (size_t c = 0; c < single.text_risk->categories.size(); ++c) {
      CHECK(looked_ahead.text_risk->categories[c].score ==
            Approx(single.text_risk->categories[c].score).margin(1e-5));
    }
    for (const auto& reason : looked_ahead.text_risk->reasons) {
      if (reason.source != "model") continue;
      any_model_reason = true;
      CHECK(reason.model_tier == "full");
      CHECK_FALSE(reason.entry_id.empty());
    }
  }
  CHECK(any_model_reason);
  // Direct messages to a minor always go to the transformer: four runs alone, one batch of four.
  CHECK(testing::metricTotal(one_by_one_metrics, "modstream_text_model_messages_total", "tier",
                             "full") == 4);
  CHECK(testing::metricTotal(one_by_one_metrics, "modstream_text_model_batch_size") == 4);
  CHECK(testing::metricTotal(batched_metrics, "modstream_text_model_messages_total", "tier",
                             "full") == 4);
  CHECK(testing::metricTotal(batched_metrics, "modstream_text_model_batch_size") == 1);
}

TEST_CASE("over its budget the cascade keeps the static tier's scores and counts it",
          "[text_model]") {
  prometheus::Registry metrics;
  ConfigErrors errors;
  // A budget of 0.001 runs a second still allows the first (the bucket starts with one).
  auto factory = buildStage("{enabled: true, full_per_second: 0.001}", metrics, errors);
  REQUIRE(factory);
  auto stage = factory->create();
  for (int i = 0; i < 3; ++i) {
    process(*stage, directMessageToMinor("p" + std::to_string(i), "are you home alone tonight?"));
  }
  CHECK(testing::metricTotal(metrics, "modstream_text_model_messages_total", "tier", "full") == 1);
  CHECK(testing::metricTotal(metrics, "modstream_text_model_messages_total", "tier", "static") ==
        3);
  CHECK(testing::metricTotal(metrics, "modstream_text_model_budget_exhausted_total") == 2);
}

TEST_CASE("changed heads are read on reload, without reloading the model", "[text_model]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("modstream-heads-reload-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir / "models");
  for (const auto& file : std::filesystem::directory_iterator(kConfigDir / "models")) {
    std::filesystem::copy(file.path(), dir / "models" / file.path().filename());
  }
  std::filesystem::copy(kConfigDir / "lexicons", dir / "lexicons");
  prometheus::Registry metrics;
  ConfigErrors errors;
  testing::FixedClock clock(0);
  auto factory =
      textRiskStageBuilder()(YAML::Load("{model: {enabled: true}, reload_check_interval_ms: 0}"),
                             "stages[1].config", StageEnvironment{dir, clock, &metrics}, errors);
  REQUIRE(factory);
  auto stage = factory->create();
  const Post post = directMessageToMinor("p1", "delete our chat after, it's our secret");
  const auto before = process(*stage, post);
  REQUIRE(before.text_risk->anyFlagged());

  // Heads that never fire: every bias far below zero.
  const auto heads_file = dir / "models" / "text-risk-heads.json";
  auto heads = nlohmann::json::parse(std::ifstream(heads_file));
  for (auto& [tier, categories] : heads["tiers"].items()) {
    for (auto& [category, head] : categories.items()) {
      if (head.is_object()) head["bias"] = -50.0;
    }
  }
  std::ofstream(heads_file) << heads.dump();
  REQUIRE(factory->reload());
  const auto after = process(*stage, post);
  for (const auto& reason : after.text_risk->reasons) CHECK(reason.source != "model");
  std::filesystem::remove_all(dir);
}
