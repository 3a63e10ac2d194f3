#pragma once
// decide: turns the signals of earlier stages into output records, with fixed rules until the
// policy language (rules, shadow mode, guardrails) arrives with issue #6:
// - every known-content bank match becomes a takedown event, with evidence preserved, without any
//   image reaching a human;
// - a URL in a post's text that is on a URL list (a flagged url_list category) takes the post
//   down the same way;
// - other flagged text-risk categories become one escalation per post (escalation.h).
//
// Config:
//   action: remove              # action written into takedown events
//   preserve_evidence: true     # tells the takedown integration to keep a copy for law enforcement
//   take_down_listed_urls: true # false: listed URLs are escalated instead
//   escalation: {...}           # priorities and SLAs, see escalation.h

#include <string>

#include "pipeline/core/stage.h"
#include "stages/decide/escalation.h"

namespace modstream {

struct DecideConfig {
  std::string action = "remove";
  bool preserve_evidence = true;
  bool take_down_listed_urls = true;
  EscalationConfig escalation;
};

DecideConfig parseDecideConfig(const YAML::Node& node, const std::string& path,
                               ConfigErrors& errors);

// The takedown event for one match (config/schemas/takedown.schema.json), as JSON text.
std::string takedownEventJson(const BankMatch& match, const Content& content,
                              const SourceCoordinates& source, int64_t detected_at_ms,
                              const DecideConfig& config);
// Deterministic: the same match of the same record always has the same id, so consumers can
// de-duplicate the repeats that at-least-once delivery allows.
std::string takedownEventId(const BankMatch& match, const SourceCoordinates& source);

StageFactoryBuilder decideStageBuilder();

}  // namespace modstream
