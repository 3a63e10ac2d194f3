#include "stages/stage_registry.h"

#include "stages/decide/decide_stage.h"
#include "stages/hash_match/hash_match_stage.h"
#include "stages/reputation/reputation_stage.h"
#include "stages/text_risk/text_risk_stage.h"

namespace modstream {

StageRegistry builtinStages() {
  StageRegistry registry;
  registry.add("hash_match", hashMatchStageBuilder(), hashMatchSignalFlow());
  registry.add("text_risk", textRiskStageBuilder(), textRiskSignalFlow());
  registry.add("reputation", reputationStageBuilder(), reputationSignalFlow());
  registry.add("decide", decideStageBuilder(), decideSignalFlow());
  return registry;
}

}  // namespace modstream
