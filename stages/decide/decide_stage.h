#pragma once
// decide: runs the policy (policy.h) over the signals of earlier stages and publishes what it
// decides:
// - takedown: one takedown event per piece of evidence (a bank match, or a listed URL in a post),
//   through the guardrails (guardrails.h); known-abuse imagery never reaches a human;
// - escalate: one escalation per record, in its account's case (escalation_cases.h), with a
//   wellness-safe preview for media where config allows (preview.h);
// - label: a label event on the takedowns topic for the integration to apply;
// - shadow rules: the events they would have published go to the shadow topic only.
//
// Config:
//   policy_file: policy.yaml          # reloaded on change and on SIGHUP; or inline `policy:`;
//                                     # neither: the built-in policy (see defaultPolicy())
//   reload_check_interval_ms: 5000
//   preserve_evidence: true           # tells the takedown integration to keep a copy
//   escalation: {...}                 # escalation.h
//   cases: {...}                      # escalation_cases.h; kept across restarts (case_store.h)
//   guardrails: {...}                 # guardrails.h
//   previews: {...}                   # preview.h

#include <memory>
#include <string>

#include "pipeline/core/file_reloader.h"
#include "pipeline/core/stage.h"
#include "stages/decide/case_store.h"
#include "stages/decide/escalation.h"
#include "stages/decide/escalation_cases.h"
#include "stages/decide/guardrails.h"
#include "stages/decide/policy.h"
#include "stages/decide/preview.h"

namespace modstream {

struct DecideConfig {
  std::string policy_file;  // resolved against the config's directory; empty: inline or built-in
  std::optional<Policy> inline_policy;
  int reload_check_interval_ms = 5000;
  bool preserve_evidence = true;
  EscalationConfig escalation;
  CaseConfig cases;
  GuardrailConfig guardrails;
  PreviewConfig previews;
};

DecideConfig parseDecideConfig(const YAML::Node& node, const std::string& path,
                               const std::filesystem::path& base_dir, ConfigErrors& errors);

// The takedown event for one piece of evidence (config/schemas/takedown-event.schema.json).
struct TakedownInputs {
  const BankMatch& match;
  const Content& content;
  const SourceCoordinates& source;
  int64_t detected_at_ms;
  const std::string& action;  // remove | restrict
  const std::string& rule;
  bool preserve_evidence;
};
std::string takedownEventJson(const TakedownInputs& inputs);
// Deterministic: the same match of the same record by the same rule and action always has the same
// id, so consumers can de-duplicate the repeats that at-least-once delivery allows; two rules or
// actions on one match give two ids. Pinned by a golden test: consumers de-duplicate across
// versions, so a change is a contract change.
std::string takedownEventId(const BankMatch& match, const SourceCoordinates& source,
                            const std::string& rule, const std::string& action);
// The same for a label event: one id per record and label.
std::string labelEventId(const SourceCoordinates& source, const std::string& label);

StageFactoryBuilder decideStageBuilder();
// The signals it needs and provides (the registry checks the chain's order with them).
SignalFlow decideSignalFlow();

}  // namespace modstream
