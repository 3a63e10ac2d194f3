#pragma once
// decide: turns the signals of earlier stages into output records. This first version carries one
// fixed rule: every known-content bank match becomes a takedown event, with evidence preserved,
// without any image reaching a human. The policy language (rules, priorities, escalations, shadow
// mode, guardrails) arrives with issue #6.
//
// Config:
//   action: remove              # action written into takedown events
//   preserve_evidence: true     # tells the takedown integration to keep a copy for law enforcement

#include <string>

#include "pipeline/core/stage.h"

namespace modstream {

struct DecideConfig {
  std::string action = "remove";
  bool preserve_evidence = true;
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
