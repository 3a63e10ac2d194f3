// Prints events made by the real decide stage, one JSON document per line, for check_schemas.py
// to validate against config/schemas/takedown-event.schema.json and escalation-event.schema.json.

#include <iostream>

#include "stages/decide/decide_stage.h"

using namespace modstream;

int main() {
  const DecideConfig config;
  MediaRecord media{MediaId("media-1"), AccountId("acct-1"), PostId("post-1"), "image/png", "x"};
  MediaRecord orphan{MediaId("media-2"), AccountId("acct-2"), std::nullopt, "image/jpeg", "x"};
  Post post;
  post.post_id = PostId("post-3");
  post.account_id = AccountId("acct-3");
  const SourceCoordinates source{"media", Partition{3}, Offset{42}};
  BankMatch rotated{"bank", "E-4", "pdq", 17, "A", "media-1", "media_bytes"};
  rotated.transform = "rotate90";
  std::cout << takedownEventJson(rotated, media, source, 1795000000003, config) << "\n";
  std::cout << takedownEventJson({"bank", "E-1", "sha256", 0, "A", "media-1", "media_bytes"}, media,
                                 source, 1795000000000, config)
            << "\n"
            << takedownEventJson({"bank", "E-2", "md5", 0, "B", "media-2", "media_bytes"}, orphan,
                                 source, 1795000000001, config)
            << "\n"
            << takedownEventJson({"bank", "E-3", "sha1", 0, "C", "media-9", "client_hash"}, post,
                                 {"posts", Partition{0}, Offset{7}}, 1795000000002, config)
            << "\n"
            << takedownEventJson({"url-list", "URL-1", "url", 0, "A", "post-3", "post_text"}, post,
                                 {"posts", Partition{0}, Offset{8}}, 1795000000004, config)
            << "\n";

  // Escalations: a threat in a public post, and grooming in a DM to a minor from a new account.
  TextRiskSignal threat;
  threat.categories = {{"threat_of_violence", 0.9, 0.5, true}, {"harassment", 0.2, 0.5, false}};
  threat.reasons = {{"lexicon", "threat.i-will-kill-you", "threat_of_violence", 0.9, false, 0, 15,
                     "I will kill you", "", ""}};
  Post dm = post;
  dm.context.kind = PostKind::kDirectMessage;
  dm.context.recipient_account_id = AccountId("acct-4");
  dm.context.recipient_is_minor = true;
  dm.context.account_age_days = 2;
  TextRiskSignal grooming;
  grooming.categories = {{"grooming", 0.72, 0.5, true}};
  grooming.reasons = {
      {"lexicon", "grooming.our-secret", "grooming", 0.35, true, 8, 18, "our secret", "", ""}};
  ReputationSnapshot snapshot;
  snapshot.trust = 0.42;
  snapshot.account_age_days = 2;
  snapshot.strikes = {{"grooming", 1.5}};
  snapshot.messages_to_minors_last_day = 3;
  const std::optional<ReputationSnapshot> none;
  const SourceCoordinates post_source{"posts", Partition{1}, Offset{9}};
  std::cout
      << escalationFor(post, threat, none, post_source, 1795000000005, config.escalation, {})->value
      << "\n"
      << escalationFor(dm, grooming, snapshot, post_source, 1795000000006, config.escalation, {})
             ->value
      << "\n";
  return 0;
}
