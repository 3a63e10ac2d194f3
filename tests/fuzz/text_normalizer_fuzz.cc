// Text normalisation against obfuscation. Beyond not crashing: every output byte maps back into
// the input, and the ASCII fast path agrees with the general path.
#include <cstdlib>

#include "stages/text_risk/text_normalizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  static const TextNormalizer normalizer;
  const std::string_view input = fuzz::text(data, size);
  const NormalizedText fast = normalizer.normalize(input);
  if (fast.source_begin.size() != fast.text.size() || fast.source_end.size() != fast.text.size()) {
    std::abort();
  }
  for (size_t i = 0; i < fast.text.size(); ++i) {
    if (fast.source_begin[i] > fast.source_end[i] || fast.source_end[i] > size) std::abort();
  }
  bool ascii = true;
  for (unsigned char c : input) ascii = ascii && c < 0x80;
  if (ascii && normalizer.normalizeGeneral(input).text != fast.text) std::abort();
  return 0;
}
