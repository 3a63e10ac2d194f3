// URL normalisation (uriparser) of words found in post text.
#include "stages/text_risk/url_list.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)modstream::normalizeUrl(modstream::fuzz::text(data, size));
  return 0;
}
