#pragma once
// The registry of every stage this build knows, by the name used in config (`stages[].name`).

#include "pipeline/core/stage.h"

namespace modstream {

StageRegistry builtinStages();

}  // namespace modstream
