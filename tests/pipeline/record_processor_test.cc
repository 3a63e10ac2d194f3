#include "pipeline/runtime/record_processor.h"

#include <fmt/format.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>

#include "pipeline/core/dead_letter.h"
#include "tests/support/test_doubles.h"

using namespace modstream;
using modstream::testing::FixedClock;
using modstream::testing::LambdaStage;

namespace {

InputRecord validPost() {
  return InputRecord::owning(
      {"posts", Partition{0}, Offset{5}}, std::string("acct-1"),
      R"({"post_id":"p1","account_id":"acct-1","created_at_ms":1,"text":"hi"})");
}

std::string headerOf(const OutputRecord& out, const std::string& name) {
  return std::string(out.header(name).value_or(""));
}

std::string exposition(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace

TEST_CASE("stages run in order and the decide stage's outputs are returned", "[processor]") {
  FixedClock clock(1000);
  std::vector<std::string> calls;
  std::vector<NamedStage> stages;
  stages.push_back({"first", std::make_unique<LambdaStage>([&](auto&, auto&, Signals& s) {
                      calls.emplace_back("first");
                      s.bank_matches.push_back(BankMatch{"bank", "e1", HashType::kMd5, 0, "A", "m1",
                                                         MatchSource::kMediaBytes});
                      return StageStatus::ok();
                    })});
  stages.push_back(
      {"second", std::make_unique<LambdaStage>([&](auto&, const StageContext& c, Signals& s) {
         calls.emplace_back("second");
         CHECK(c.now_ms == 1000);
         CHECK(s.bank_matches.size() == 1);
         s.outputs.push_back(OutputRecord{OutputTopic::kTakedowns, "m1", "{}", {}});
         return StageStatus::ok();
       })});
  RecordProcessor processor(RecordDecoder({}, {}), std::move(stages), clock, nullptr);
  auto outputs = processor.process(validPost());
  CHECK(calls == std::vector<std::string>{"first", "second"});
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].topic == OutputTopic::kTakedowns);
}

TEST_CASE("each stage finishes after every stage has processed, seeing what later ones found",
          "[processor]") {
  FixedClock clock(1000);
  auto registry = std::make_shared<prometheus::Registry>();
  PipelineMetrics metrics(registry);
  std::vector<std::string> calls;
  std::vector<NamedStage> stages;
  stages.push_back(
      {"counting",
       std::make_unique<LambdaStage>(
           [&](auto&, auto&, auto&) {
             calls.emplace_back("counting.process");
             return StageStatus::ok();
           },
           [&](Signals& s) {
             calls.emplace_back("counting.finish");
             CHECK(s.text_risk);  // added by the stage after it
             s.outputs.push_back(OutputRecord{OutputTopic::kStateChangelog, "acct-1", "{}", {}});
           }),
       &metrics.stage("counting")});
  stages.push_back({"scoring",
                    std::make_unique<LambdaStage>(
                        [&](auto&, auto&, Signals& s) {
                          calls.emplace_back("scoring.process");
                          s.text_risk = TextRiskSignal{};
                          return StageStatus::ok();
                        },
                        [&](Signals&) { calls.emplace_back("scoring.finish"); }),
                    &metrics.stage("scoring")});
  RecordProcessor processor(RecordDecoder({}, {}), std::move(stages), clock, &metrics);
  auto outputs = processor.process(validPost());
  CHECK(calls == std::vector<std::string>{"counting.process", "scoring.process", "counting.finish",
                                          "scoring.finish"});
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].topic == OutputTopic::kStateChangelog);
  // One observation per stage and record, process() and finish() together.
  const std::string text = exposition(*registry);
  for (const char* stage : {"counting", "scoring"}) {
    INFO(stage);
    CHECK_THAT(text, Catch::Contains(fmt::format(
                         R"(modstream_stage_records_received_total{{stage="{}"}} 1)", stage)));
    CHECK_THAT(text, Catch::Contains(fmt::format(
                         R"(modstream_stage_records_emitted_total{{stage="{}"}} 1)", stage)));
    CHECK_THAT(text, Catch::Contains(fmt::format(
                         R"(modstream_stage_latency_seconds_count{{stage="{}"}} 1)", stage)));
  }
}

TEST_CASE("a failing or throwing stage dead-letters the record and stops the chain",
          "[processor]") {
  FixedClock clock(1000);
  auto registry = std::make_shared<prometheus::Registry>();
  PipelineMetrics metrics(registry);
  bool later_stage_ran = false;
  const bool throws = GENERATE(false, true);
  std::vector<NamedStage> stages;
  bool finished = false;
  stages.push_back(
      {"earlier",
       std::make_unique<LambdaStage>([](auto&, auto&, auto&) { return StageStatus::ok(); },
                                     [&](Signals&) { finished = true; }),
       &metrics.stage("earlier")});
  stages.push_back({"flaky",
                    std::make_unique<LambdaStage>([throws](auto&, auto&, auto&) -> StageStatus {
                      if (throws) throw std::runtime_error("boom");
                      return StageStatus::fail({ErrorClass::kStageFailure, "flaky", "no good"});
                    }),
                    &metrics.stage("flaky", {ErrorClass("flaky_input")})});
  stages.push_back({"later", std::make_unique<LambdaStage>([&](auto&, auto&, auto&) {
                      later_stage_ran = true;
                      return StageStatus::ok();
                    })});
  RecordProcessor processor(RecordDecoder({}, {}), std::move(stages), clock, &metrics);
  auto outputs = processor.process(validPost());
  CHECK_FALSE(later_stage_ran);
  CHECK_FALSE(finished);  // a dead-lettered record finishes no stage
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0].topic == OutputTopic::kDeadLetter);
  CHECK(headerOf(outputs[0], dead_letter_header::kErrorClass) == "stage_failure");
  CHECK(headerOf(outputs[0], dead_letter_header::kErrorStage) == "flaky");
  CHECK_THAT(headerOf(outputs[0], dead_letter_header::kErrorMessage),
             Catch::Contains(throws ? "boom" : "no good"));

  const std::string text = exposition(*registry);
  CHECK_THAT(text,
             Catch::Contains(
                 R"(modstream_stage_errors_total{error_class="stage_failure",stage="flaky"} 1)"));
  // A class the stage declares has its series from the start.
  CHECK_THAT(text,
             Catch::Contains(
                 R"(modstream_stage_errors_total{error_class="flaky_input",stage="flaky"} 0)"));
  CHECK_THAT(text, Catch::Contains(R"(modstream_stage_records_received_total{stage="flaky"} 1)"));
  CHECK_THAT(text, Catch::Contains(R"(modstream_stage_records_emitted_total{stage="flaky"} 0)"));
  CHECK_THAT(text, Catch::Contains(R"(modstream_stage_latency_seconds_count{stage="flaky"} 1)"));
  CHECK_THAT(text,
             Catch::Contains(
                 R"(modstream_dead_letters_total{error_class="stage_failure",stage="flaky"} 1)"));
  // The stage before the failure did its part and is counted as having emitted the record.
  CHECK_THAT(text, Catch::Contains(R"(modstream_stage_records_emitted_total{stage="earlier"} 1)"));
  CHECK_THAT(text, Catch::Contains(R"(modstream_stage_latency_seconds_count{stage="earlier"} 1)"));
}

TEST_CASE("undecodable records never reach the stages", "[processor]") {
  FixedClock clock(1000);
  bool ran = false;
  std::vector<NamedStage> stages;
  stages.push_back({"s", std::make_unique<LambdaStage>([&](auto&, auto&, auto&) {
                      ran = true;
                      return StageStatus::ok();
                    })});
  RecordProcessor processor(RecordDecoder({}, {}), std::move(stages), clock, nullptr);
  auto outputs = processor.process(
      InputRecord::owning({"posts", Partition{0}, Offset{1}}, std::string("a"), "nope"));
  CHECK_FALSE(ran);
  REQUIRE(outputs.size() == 1);
  CHECK(headerOf(outputs[0], dead_letter_header::kErrorClass) == "malformed_json");
  CHECK(headerOf(outputs[0], dead_letter_header::kErrorStage) == "decode");
}
