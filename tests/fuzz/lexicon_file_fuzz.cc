// Lexicon YAML files.
#include "stages/text_risk/lexicon.h"
#include "stages/text_risk/text_normalizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  static const TextNormalizer normalizer;
  const fuzz::TempFile file(data, size, ".yaml");
  ConfigErrors errors;
  auto entries = loadLexiconFile(file.path(), normalizer, errors);
  if (!entries.empty() && errors.empty()) {
    try {
      LexiconDatabase database(std::move(entries));  // Hyperscan compiles what was accepted
    } catch (const std::runtime_error&) {
      // An entry Hyperscan rejects is reported by name; not a crash.
    }
  }
  return 0;
}
