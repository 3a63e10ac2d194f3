// Untrusted image bytes: header checks, then decoding (JPEG, PNG, WebP, BMP).
#include "stages/hash_match/image_decoder.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  // Small limits keep each run fast; bigger declared sizes must be refused before allocation.
  static const ImageDecoder decoder(ImageLimits{4096, 4 * 1000 * 1000});
  (void)readImageHeader(fuzz::text(data, size));
  (void)decoder.decode(fuzz::text(data, size));
  return 0;
}
