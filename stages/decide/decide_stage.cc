#include "stages/decide/decide_stage.h"

#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/core/digest.h"

namespace modstream {
namespace {

class DecideStage final : public Stage {
 public:
  explicit DecideStage(DecideConfig config) : config_(std::move(config)) {}

  StageStatus process(const Content& content, const StageContext& context,
                      Signals& signals) override {
    for (const auto& match : signals.bank_matches) {
      signals.outputs.push_back(OutputRecord{
          OutputTopic::kTakedowns,
          match.content_id,
          takedownEventJson(match, content, context.record.source(), context.now_ms, config_),
          {{"modstream.event_type", "takedown"}}});
    }
    const auto* post = std::get_if<Post>(&content);
    if (post && signals.text_risk) decideText(*post, *signals.text_risk, context, signals);
    return StageStatus::ok();
  }

 private:
  void decideText(const Post& post, const TextRiskSignal& text, const StageContext& context,
                  Signals& signals) const {
    std::set<std::string> taken_down;  // categories a takedown already handles
    if (config_.take_down_listed_urls) {
      std::set<std::string> flagged;
      for (const auto& category : text.categories) {
        if (category.flagged) flagged.insert(category.category);
      }
      for (const auto& reason : text.reasons) {
        if (reason.source != "url_list" || !flagged.count(reason.category)) continue;
        const BankMatch match{reason.list,          reason.entry_id,    "url",      0,
                              reason.list_category, post.post_id.str(), "post_text"};
        signals.outputs.push_back(OutputRecord{
            OutputTopic::kTakedowns,
            match.content_id,
            takedownEventJson(match, post, context.record.source(), context.now_ms, config_),
            {{"modstream.event_type", "takedown"}}});
        taken_down.insert(reason.category);
      }
    }
    if (auto escalation = escalationFor(post, text, signals.reputation, context.record.source(),
                                        context.now_ms, config_.escalation, taken_down)) {
      signals.outputs.push_back(std::move(*escalation));
    }
  }

  DecideConfig config_;
};

class DecideFactory final : public StageFactory {
 public:
  explicit DecideFactory(DecideConfig config) : config_(std::move(config)) {}
  std::unique_ptr<Stage> create() const override { return std::make_unique<DecideStage>(config_); }

 private:
  DecideConfig config_;
};

}  // namespace

DecideConfig parseDecideConfig(const YAML::Node& node, const std::string& path,
                               ConfigErrors& errors) {
  DecideConfig config;
  ConfigMap map(node, path, errors);
  map.choice("action", config.action, {"remove", "restrict", "label"});
  map.field("preserve_evidence", config.preserve_evidence);
  map.field("take_down_listed_urls", config.take_down_listed_urls);
  config.escalation = parseEscalationConfig(map.child("escalation"));
  map.finish();
  return config;
}

std::string takedownEventId(const BankMatch& match, const SourceCoordinates& source) {
  const std::string identity = "takedown\n" + source.topic + "\n" +
                               std::to_string(source.partition.value) + "\n" +
                               std::to_string(source.offset.value) + "\n" + match.content_id +
                               "\n" + match.bank + "\n" + match.entry_id + "\n" + match.hash_type;
  return "td-" + hexDigest(DigestType::kSha256, identity).substr(0, 32);
}

std::string takedownEventJson(const BankMatch& match, const Content& content,
                              const SourceCoordinates& source, int64_t detected_at_ms,
                              const DecideConfig& config) {
  nlohmann::json content_ids = {{"account_id", accountOf(content).str()}};
  if (const auto* post = std::get_if<Post>(&content)) {
    content_ids["post_id"] = post->post_id.str();
    if (match.hash_type != "url") content_ids["media_id"] = match.content_id;
  } else if (const auto* media = std::get_if<MediaRecord>(&content)) {
    content_ids["media_id"] = media->media_id.str();
    if (media->post_id) content_ids["post_id"] = media->post_id->str();
  }
  nlohmann::json event = {
      {"schema_version", 1},
      {"event_id", takedownEventId(match, source)},
      {"event_type", "takedown"},
      {"content_ids", content_ids},
      {"match",
       {{"bank", match.bank},
        {"entry_id", match.entry_id},
        {"hash_type", match.hash_type},
        {"distance", match.distance},
        {"category", match.category},
        {"match_source", match.match_source},
        {"transform", match.transform}}},
      {"action", config.action},
      {"preserve_evidence", config.preserve_evidence},
      {"detected_at_ms", detected_at_ms},
      {"source",
       {{"topic", source.topic},
        {"partition", source.partition.value},
        {"offset", source.offset.value}}},
  };
  return event.dump();
}

StageFactoryBuilder decideStageBuilder() {
  return [](const YAML::Node& node, const std::string& path, const StageEnvironment& /*env*/,
            ConfigErrors& errors) -> std::unique_ptr<StageFactory> {
    const size_t errors_before = errors.all().size();
    DecideConfig config = parseDecideConfig(node, path, errors);
    if (errors.all().size() != errors_before) return nullptr;
    return std::make_unique<DecideFactory>(std::move(config));
  };
}

}  // namespace modstream
