// Post JSON and moderator decisions as they arrive on the input topics.
#include "pipeline/input/record_decoder.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  static RecordDecoder decoder(InputTopics{"posts", "media", "decisions"}, DecoderLimits{});
  const std::string value(fuzz::text(data, size));
  (void)decoder.decode(
      InputRecord::owning({"posts", Partition{0}, Offset{0}}, std::nullopt, value));
  (void)decoder.decodeDecision(value);
  return 0;
}
