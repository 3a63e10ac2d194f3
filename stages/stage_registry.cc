#include "stages/stage_registry.h"

#include "stages/decide/decide_stage.h"
#include "stages/hash_match/hash_match_stage.h"
#include "stages/reputation/reputation_stage.h"
#include "stages/text_risk/text_risk_stage.h"

namespace modstream {

StageRegistry builtinStages() {
  StageRegistry registry;
  registry.add("hash_match", hashMatchStageBuilder());
  registry.add("text_risk", textRiskStageBuilder());
  registry.add("reputation", reputationStageBuilder());
  registry.add("decide", decideStageBuilder());
  return registry;
}

}  // namespace modstream
