// The learned tier's heads file (probabilities, nearest example, errors naming the file) and how
// its findings fuse with lexicon evidence; the stage refuses to start without its model files.

#include "stages/text_risk/category_heads.h"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "pipeline/core/content_hash.h"
#include "stages/text_risk/learned_tier.h"
#include "stages/text_risk/text_risk_stage.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

// Two dimensions, one category; exemplars "near" (1, 0) and "far" (0, 1) in both tiers.
struct HeadsDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("modstream-heads-" + std::to_string(std::random_device{}()));
  std::string exemplars = std::string("\x7f\x00\x00\x7f\x7f\x00\x00\x7f", 8);
  HeadsDir(const HeadsDir&) = delete;
  HeadsDir& operator=(const HeadsDir&) = delete;
  HeadsDir() {
    std::filesystem::create_directories(dir / "lexicons");
    std::ofstream(dir / "lexicons" / "threats.yaml")
        << "category: threat_of_violence\nentries:\n  - {id: threat.kill, term: \"kill you\", "
           "weight: 0.4}\n";
    std::ofstream(dir / "exemplars.i8", std::ios::binary) << exemplars;
    write(heads());
  }
  ~HeadsDir() { std::filesystem::remove_all(dir); }
  nlohmann::json heads() const {
    // The full tier reads the full embedding, then the static one.
    const nlohmann::json static_head = {{"weights", {2.0, 0.0, 0.0, 1.0, 0.0}},
                                        {"bias", -1.0},
                                        {"calibration", {{"scale", 1.0}, {"offset", 0.0}}}};
    const nlohmann::json head = {{"weights", {2.0, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0}},
                                 {"bias", -1.0},
                                 {"calibration", {{"scale", 1.0}, {"offset", 0.0}}}};
    return {{"model", "test-model"},
            {"model_files", {{"tokenizer.json", std::string(64, 'a')}}},
            {"dimensions", 2},
            {"categories", {"threat_of_violence"}},
            {"tiers",
             {{"static", {{"inputs", {"static"}}, {"threat_of_violence", static_head}}},
              {"full", {{"inputs", {"full", "static"}}, {"threat_of_violence", head}}}}},
            {"exemplars",
             {{"file", "exemplars.i8"},
              {"sha256", hexDigest(HashType::kSha256, exemplars)},
              {"messages",
               {{{"id", "near"}, {"labels", {"threat_of_violence"}}},
                {{"id", "far"}, {"labels", {"threat_of_violence"}}}}}}}};
  }
  void write(const nlohmann::json& json) const { std::ofstream(dir / "heads.json") << json.dump(); }
};

double sigmoidOf(double x) {
  return 1 / (1 + std::exp(-x));
}

}  // namespace

TEST_CASE("heads give calibrated probabilities from the embedding and the context",
          "[text_risk][model]") {
  HeadsDir files;
  ConfigErrors errors;
  const auto heads = CategoryHeads::load(files.dir / "heads.json", "model.heads", errors);
  REQUIRE(heads);
  const std::vector<float> full = {1.0f, 0.0f};
  const std::vector<float> static_embedding = {1.0f, 0.0f};
  const MessageEmbeddings embeddings{static_embedding, full};
  auto findings = heads->score(ModelTier::kFull, embeddings, TextRiskContext{});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].probability == Approx(sigmoidOf(2 + 0.5 - 1)));
  CHECK(heads->score(ModelTier::kStatic, embeddings, TextRiskContext{})[0].probability ==
        Approx(sigmoidOf(2 - 1)));
  TextRiskContext to_minor;
  to_minor.direct_message = true;
  to_minor.recipient_is_minor = true;
  CHECK(heads->score(ModelTier::kFull, embeddings, to_minor)[0].probability ==
        Approx(sigmoidOf(2 + 0.5 - 1 + 1)));
  heads->explain(embeddings, findings[0]);
  CHECK(findings[0].nearest_example == "near");
  CHECK(findings[0].similarity == Approx(1.0));
}

TEST_CASE("a heads file that does not fit is refused, naming the file and what is wrong",
          "[text_risk][model]") {
  HeadsDir files;
  ConfigErrors errors;
  SECTION("exemplars changed since training") {
    std::ofstream(files.dir / "exemplars.i8", std::ios::binary) << std::string(8, '\x01');
    CHECK_FALSE(CategoryHeads::load(files.dir / "heads.json", "model.heads", errors));
    CHECK_THAT(errors.str(), Catch::Contains("exemplars.i8: SHA-256 is not the expected " +
                                             hexDigest(HashType::kSha256, files.exemplars)));
  }
  SECTION("weights of the wrong length") {
    auto json = files.heads();
    json["tiers"]["full"]["threat_of_violence"]["weights"] = {1.0, 2.0};
    files.write(json);
    CHECK_FALSE(CategoryHeads::load(files.dir / "heads.json", "model.heads", errors));
    CHECK_THAT(errors.str(), Catch::Contains("tiers.full.threat_of_violence.weights: 2 values, "
                                             "expected 7"));
  }
  SECTION("missing") {
    CHECK_FALSE(CategoryHeads::load(files.dir / "nothing.json", "model.heads", errors));
    CHECK_THAT(errors.str(), Catch::Contains("nothing.json: cannot be read"));
  }
}

TEST_CASE("model findings fuse with lexicon evidence and give a reason naming the model",
          "[text_risk][model]") {
  HeadsDir files;
  ConfigErrors errors;
  TextRiskConfig config;
  const auto rules = TextRiskRules::load(config, files.dir, "text_risk", errors);
  REQUIRE(rules);
  TextRiskAnalyzer analyzer;
  TextRiskSignal signal = analyzer.analyze(rules, "I will kill you", TextRiskContext{});
  REQUIRE(signal.categories.size() == 1);
  CHECK_FALSE(signal.categories[0].flagged);  // 0.4 alone is under the 0.5 threshold
  ModelFinding finding{"threat_of_violence", 0.5, ModelTier::kFull, "near", 0.9};
  fuseModelFindings({finding}, *rules, TextRiskContext{}, 1.0, signal);
  CHECK(signal.categories[0].score == Approx(1 - 0.6 * 0.5));
  CHECK(signal.categories[0].flagged);
  REQUIRE(signal.reasons.size() == 2);
  CHECK(signal.reasons[1].source == "model");
  CHECK(signal.reasons[1].entry_id == "near");
  CHECK(signal.reasons[1].model_tier == "full");

  SECTION("a probability under the threshold adds to the score but gives no reason") {
    TextRiskSignal quiet;
    finding.probability = 0.3;
    fuseModelFindings({finding}, *rules, TextRiskContext{}, 1.0, quiet);
    CHECK(quiet.categories[0].score == Approx(0.3));
    CHECK(quiet.reasons.empty());
  }
  SECTION("a low-trust sender's model probability counts more, as lexicon evidence does") {
    TextRiskSignal low_trust;
    TextRiskContext context;
    context.account_trust = 0.1;
    finding.probability = 0.3;
    fuseModelFindings({finding}, *rules, context, 1.0, low_trust);
    CHECK(low_trust.categories[0].score == Approx(1 - std::pow(0.7, 1.5)));
  }
}

TEST_CASE("the learned tier will not start without the model files its heads were trained on",
          "[text_risk][model]") {
  HeadsDir files;
  ConfigErrors errors;
  testing::FixedClock clock(0);
  auto factory = textRiskStageBuilder()(
      YAML::Load("{model: {enabled: true, heads: heads.json, directory: no-model}}"),
      "stages[1].config", StageEnvironment{files.dir, clock, nullptr}, errors);
  CHECK_FALSE(factory);
  CHECK_THAT(errors.str(), Catch::Contains("stages[1].config.model.directory"));
  CHECK_THAT(errors.str(), Catch::Contains("no-model/tokenizer.json: missing (expected SHA-256 " +
                                           std::string(64, 'a')));
}

namespace {

// A language model whose transformer always fails; its static tier is all zeros.
class FailingEmbedder final : public TextEmbedder {
 public:
  std::vector<float> staticEmbedding(std::string_view /*text*/) const override {
    return std::vector<float>(2, 0.0f);
  }
  std::vector<std::vector<float>> fullEmbeddings(
      const std::vector<std::string>& /*texts*/) const override {
    throw std::runtime_error("inference failed");
  }
};

}  // namespace

TEST_CASE("when inference fails the post keeps its lexicon scores and a metric counts it",
          "[text_risk][model]") {
  HeadsDir files;
  ConfigErrors errors;
  const auto heads_file = files.dir / "heads.json";
  auto initial = CategoryHeads::load(heads_file, "model.heads", errors);
  REQUIRE(initial);
  auto heads = std::make_shared<Reloadable<CategoryHeads>>(
      "heads", std::vector<std::filesystem::path>{heads_file},
      [&](ConfigErrors& e) { return CategoryHeads::load(heads_file, "model.heads", e); },
      std::move(initial), 0);
  prometheus::Registry metrics;
  LearnedTier learned(LearnedTierConfig{}, std::make_shared<FailingEmbedder>(), heads, &metrics);
  const auto lexicons = TextRiskRules::load(TextRiskConfig{}, files.dir, "text_risk", errors);
  REQUIRE(lexicons);
  TextRiskAnalyzer analyzer;
  TextRiskContext to_minor;  // a high-risk context: the cascade calls the transformer
  to_minor.direct_message = true;
  to_minor.recipient_is_minor = true;
  const auto lexicons_only = analyzer.analyze(lexicons, "I will kill you", to_minor);
  const auto signal = scoreText(analyzer, lexicons, &learned, "I will kill you", to_minor);
  REQUIRE(signal.categories.size() == lexicons_only.categories.size());
  CHECK(signal.categories[0].score == Approx(lexicons_only.categories[0].score));
  CHECK(signal.reasons.size() == lexicons_only.reasons.size());
  CHECK(testing::metricTotal(metrics, "modstream_text_model_failures_total") == 1);
}
