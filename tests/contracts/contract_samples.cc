// Prints the events the real decide stage publishes for a set of records, one JSON document per
// line, for check_schemas.py to validate against the schemas under config/schemas. The policy
// below exercises every action: takedowns, escalations (text, media with a preview, a takedown
// diverted by the rate limit), labels and a shadow rule.
//
// Usage: contract_samples SOURCE_DIR

#include <fstream>
#include <iostream>
#include <sstream>

#include "stages/decide/decide_stage.h"
#include "tests/support/test_doubles.h"

using namespace modstream;

namespace {

const char* kConfig = R"(
preserve_evidence: true
previews: {enabled: true}
guardrails: {takedowns_per_second: 0.001, takedown_burst: 5}
policy:
  version: contract-samples
  rules:
    - name: known-content
      when: {bank_match: {max_distance: 31}}
      action: takedown
    - name: listed-url
      when: {listed_url: {}}
      action: takedown
    - name: flagged-text
      when: {text: {}}
      action: escalate
      priority: by_category
    - name: low-trust-media
      when: {content: media, account: {max_trust: 0.3}}
      action: escalate
      priority: P2
      category: media_review
    - name: scam-label
      when: {text: {categories: [fraud], min_score: 0.3}}
      action: label
      label: possible-scam
    - name: trial-harassment-takedown
      when: {listed_url: {categories: [B]}}
      action: takedown
      takedown_action: restrict
      shadow: true
)";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: contract_samples SOURCE_DIR\n";
    return 2;
  }
  testing::FixedClock clock(1795000000000);
  ConfigErrors errors;
  auto factory = decideStageBuilder()(YAML::Load(kConfig), "decide",
                                      StageEnvironment{argv[1], clock, nullptr}, errors);
  if (!factory) {
    std::cerr << errors.str();
    return 1;
  }
  auto stage = factory->create();
  int64_t offset = 40;
  auto run = [&](const Content& content, Signals signals, const std::string& topic) {
    auto record = InputRecord::owning({topic, Partition{3}, Offset{++offset}},
                                      accountOf(content).str(), "x", {}, clock.nowMs() - 5);
    if (stage->process(content, StageContext{record, clock.nowMs()}, signals).error) return false;
    for (const auto& output : signals.outputs) std::cout << output.value << "\n";
    clock.set(clock.nowMs() + 1000);
    return true;
  };

  // Takedowns: a rotated PDQ match and an exact match of a media record, a client-side hash in a
  // post, a listed URL in a post's text (also caught by the shadow rule).
  MediaRecord media{MediaId("media-1"), AccountId("acct-1"), PostId("post-1"), "image/png", "x"};
  BankMatch rotated{"bank", "E-4", HashType::kPdq, 17, "A", "media-1", MatchSource::kMediaBytes};
  rotated.transform = "rotate90";
  Signals pdq;
  pdq.bank_matches = {
      rotated, {"bank", "E-1", HashType::kSha256, 0, "A", "media-1", MatchSource::kMediaBytes}};
  run(media, pdq, "media");
  Post post;
  post.post_id = PostId("post-3");
  post.account_id = AccountId("acct-3");
  post.created_at_ms = clock.nowMs() - 60000;
  Signals client_hash;
  client_hash.bank_matches = {
      {"bank", "E-3", HashType::kSha1, 0, "C", "media-9", MatchSource::kClientHash}};
  run(post, client_hash, "posts");
  Signals url;
  url.text_risk = TextRiskSignal{{{"listed_url", 1.0, 0.5, true}},
                                 {{"url_list", "URL-1", "listed_url", 1.0, false, 9, 30,
                                   "hxxp://bad[.]example/x", "iwf-urls", "B"}},
                                 false};
  run(post, url, "posts");

  // Escalations: a threat in a public post; grooming in a DM to a minor from a new, low-trust
  // account; media from that account (with a preview of a real image); a takedown over the rate.
  Signals threat;
  threat.text_risk =
      TextRiskSignal{{{"threat_of_violence", 0.9, 0.5, true}, {"harassment", 0.2, 0.5, false}},
                     {{"lexicon", "threat.i-will-kill-you", "threat_of_violence", 0.9, false, 0, 15,
                       "I will kill you", "", ""}},
                     false};
  run(post, threat, "posts");
  Post dm = post;
  dm.post_id = PostId("post-4");
  dm.context.kind = PostKind::kDirectMessage;
  dm.context.recipient_account_id = AccountId("acct-4");
  dm.context.recipient_is_minor = true;
  dm.context.account_age_days = 2;
  ReputationSnapshot snapshot;
  snapshot.trust = 0.22;
  snapshot.account_age_days = 2;
  snapshot.strikes = {{"grooming", 1.5}};
  snapshot.messages_to_minors_last_day = 3;
  Signals grooming;
  grooming.text_risk = TextRiskSignal{
      {{"grooming", 0.72, 0.5, true}},
      {{"lexicon", "grooming.our-secret", "grooming", 0.35, true, 8, 18, "our secret", "", ""}},
      false};
  grooming.reputation = snapshot;
  run(dm, grooming, "posts");
  const std::string photo =
      readFile(std::string(argv[1]) + "/config/samples/media/holiday-photo.png");
  MediaRecord dm_media{MediaId("media-5"), AccountId("acct-3"), PostId("post-4"), "image/png",
                       photo};
  Signals media_signals;
  media_signals.reputation = snapshot;
  run(dm_media, media_signals, "media");
  Signals burst;  // the burst of 5 is spent by now: this one goes to a moderator
  for (int i = 0; i < 4; ++i) {
    burst.bank_matches.push_back({"bank", "E-" + std::to_string(10 + i), HashType::kMd5, 0, "B",
                                  "media-1", MatchSource::kMediaBytes});
  }
  run(media, burst, "media");

  // A label.
  Signals scam;
  scam.text_risk = TextRiskSignal{{{"fraud", 0.35, 0.5, false}}, {}, false};
  run(post, scam, "posts");
  return 0;
}
