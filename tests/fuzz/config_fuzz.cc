// The pipeline config (YAML) and the policy, as an operator might mistype them.
#include "pipeline/config/pipeline_config.h"
#include "stages/decide/policy.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  const fuzz::TempFile file(data, size, ".yaml");
  ConfigErrors errors;
  if (auto root = parseYamlFile(file.path(), errors)) {
    (void)parsePipelineConfig(*root, ".", errors);
    (void)parsePolicy(*root, "policy", errors);
  }
  return 0;
}
