#include "stages/decide/guardrails.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "stages/decide/decide_stage.h"
#include "stages/decide/escalation_cases.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

TEST_CASE("the token bucket lets a burst through, then refills at the rate", "[decide][guard]") {
  GuardrailConfig config;
  config.takedowns_per_second = 2;
  config.takedown_burst = 3;
  config.breaker_threshold = 100;
  TakedownGuard guard(config, nullptr);
  for (int i = 0; i < 3; ++i) CHECK(guard.request(1000) == TakedownVerdict::kAllowed);
  CHECK(guard.request(1000) == TakedownVerdict::kRateLimited);
  CHECK(guard.request(1499) == TakedownVerdict::kRateLimited);  // 0.998 tokens
  CHECK(guard.request(1500) == TakedownVerdict::kAllowed);      // refilled one
}

TEST_CASE("a burst of diverted takedowns opens the breaker for its open time", "[decide][guard]") {
  GuardrailConfig config;
  config.takedowns_per_second = 1;
  config.takedown_burst = 1;
  config.breaker_threshold = 5;
  config.breaker_window_seconds = 10;
  config.breaker_open_seconds = 60;
  prometheus::Registry registry;
  TakedownGuard guard(config, &registry);
  CHECK(guard.request(0) == TakedownVerdict::kAllowed);
  for (int i = 0; i < 5; ++i) CHECK(guard.request(10) == TakedownVerdict::kRateLimited);
  CHECK(guard.breakerOpen(11));
  // Open: even with tokens back, nothing is taken down automatically.
  CHECK(guard.request(30000) == TakedownVerdict::kBreakerOpen);
  CHECK(guard.request(60009) == TakedownVerdict::kBreakerOpen);
  CHECK(guard.request(60010) == TakedownVerdict::kAllowed);  // closed again
  CHECK_FALSE(guard.breakerOpen(60010));
  bool saw_opened = false;
  for (const auto& family : registry.Collect()) {
    if (family.name == "modstream_takedown_breaker_opened_total") {
      saw_opened = family.metric.at(0).counter.value == 1;
    }
  }
  CHECK(saw_opened);
}

TEST_CASE("diverted takedowns are spread: slow repeats do not open the breaker",
          "[decide][guard]") {
  GuardrailConfig config;
  config.takedowns_per_second = 0.001;
  config.takedown_burst = 1;
  config.breaker_threshold = 3;
  config.breaker_window_seconds = 10;
  TakedownGuard guard(config, nullptr);
  CHECK(guard.request(0) == TakedownVerdict::kAllowed);
  for (int64_t t = 1; t < 100000; t += 6000) {
    CHECK(guard.request(t) == TakedownVerdict::kRateLimited);  // two per window at most
  }
  CHECK_FALSE(guard.breakerOpen(100000));
}

TEST_CASE("repeat actions within the TTL are recognised, then forgotten", "[decide][guard]") {
  RecentActions recent(1000, 2);
  CHECK_FALSE(recent.seenBefore("a", 0));
  CHECK(recent.seenBefore("a", 999));
  CHECK_FALSE(recent.seenBefore("a", 1000));  // expired, remembered afresh
  CHECK_FALSE(recent.seenBefore("b", 1001));
  CHECK_FALSE(recent.seenBefore("c", 1002));
  CHECK_FALSE(recent.seenBefore("d", 1003));  // over capacity: the oldest ("a") goes
  CHECK_FALSE(recent.seenBefore("a", 1004));
}

TEST_CASE("the decide stage takes the same content down once and escalates over the limit",
          "[decide][guard]") {
  testing::FixedClock clock(0);
  ConfigErrors errors;
  auto factory = decideStageBuilder()(
      YAML::Load("{guardrails: {takedowns_per_second: 0.001, takedown_burst: 2}}"), "decide",
      StageEnvironment{".", clock, nullptr}, errors);
  REQUIRE(factory);
  auto stage = factory->create();
  auto run = [&](const std::string& media_id, int64_t offset) {
    MediaRecord media{MediaId(media_id), AccountId("a1"), std::nullopt, "image/png", "x"};
    auto record =
        InputRecord::owning({"media", Partition{0}, Offset{offset}}, std::string("a1"), "x");
    Signals signals;
    signals.bank_matches = {
        {"bank", "E1", HashType::kMd5, 0, "A", media_id, MatchSource::kMediaBytes}};
    REQUIRE_FALSE(stage->process(media, StageContext{record, 1000 + offset}, signals).error);
    return signals.outputs;
  };
  CHECK(run("m1", 1).size() == 1);
  CHECK(run("m1", 2).empty());  // the same content, evidence and action: published once
  CHECK(run("m2", 3).size() == 1);
  const auto diverted = run("m3", 4);
  REQUIRE(diverted.size() == 1);
  CHECK(diverted[0].topic == OutputTopic::kEscalations);
  const auto event = nlohmann::json::parse(diverted[0].value);
  CHECK(event["guardrail"] == "rate_limited");
  CHECK(event["priority"] == "P1");
  CHECK(event["matches"][0]["content_id"] == "m3");
  CHECK_FALSE(event.contains("preview"));
}

TEST_CASE("cases group an account's escalations per window with a stable id", "[decide][case]") {
  CaseConfig config;
  config.window_minutes = 60;
  config.max_items = 2;
  config.max_open_cases = 2;
  CaseBook book(config);
  const int64_t hour = 3600000;
  const auto first = book.add("a1", "p1", 10 * hour + 5, 100, 2, 5000);
  const auto second = book.add("a1", "p2", 10 * hour + 60000, 200, 0, 1000);
  const auto third = book.add("a1", "p3", 10 * hour + 70000, 300, 3, 9000);
  CHECK(first.case_id == second.case_id);
  CHECK(first.case_id == caseIdFor("a1", 10 * hour));
  CHECK(third.item_count == 3);
  CHECK(third.items == std::vector<std::string>{"p1", "p2"});  // capped
  CHECK(third.priority == 0);                                  // the most urgent so far
  CHECK(third.deadline_ms == 1000);
  CHECK(third.opened_at_ms == 100);
  CHECK(book.add("a1", "p4", 11 * hour, 400, 2, 5000).case_id != first.case_id);  // next window
  CHECK(book.add("a2", "p5", 10 * hour, 500, 2, 5000).case_id != first.case_id);  // other account
  CHECK(book.openCases() == 2);                                                   // bounded
  // A case forgotten (evicted or after a restart) keeps its id.
  CHECK(book.add("a1", "p6", 10 * hour + 1, 600, 2, 5000).case_id == first.case_id);
}

TEST_CASE("a case read back from its changelog record goes on where it stopped", "[decide][case]") {
  CaseConfig config;
  const int64_t hour = 3600000;
  CaseBook before(config);
  before.add("a1", "p1", 10 * hour, 100, 2, 5000);
  const CaseView open = before.add("a1", "p2", 10 * hour + 1, 200, 1, 4000);

  const auto decoded = decodeCase(encodeCase(open));
  REQUIRE(decoded);
  CaseBook after(config);  // a new process, or the partition's next owner
  after.restore(*decoded);
  const CaseView grown = after.add("a1", "p3", 10 * hour + 2, 300, 3, 9000);
  CHECK(grown.case_id == open.case_id);
  CHECK(grown.item_count == 3);
  CHECK(grown.items == std::vector<std::string>{"p1", "p2", "p3"});
  CHECK(grown.priority == 1);
  CHECK(grown.deadline_ms == 4000);
  CHECK(grown.opened_at_ms == 100);

  CHECK_FALSE(decodeCase("not json"));
  CHECK_FALSE(decodeCase(R"({"case_id":"c","items":[]})"));  // fields missing
  CHECK_FALSE(decodeCase(R"([1,2])"));
}
