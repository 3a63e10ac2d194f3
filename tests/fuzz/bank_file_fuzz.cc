// Hash bank files, as CSV and as JSON Lines.
#include "stages/hash_match/bank.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modstream;
  const fuzz::TempFile csv(data, size, ".csv");
  (void)loadBankFile(csv.path());
  const fuzz::TempFile jsonl(data, size, ".jsonl");
  (void)loadBankFile(jsonl.path());
  return 0;
}
