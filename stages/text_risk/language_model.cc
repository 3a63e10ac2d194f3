#include "stages/text_risk/language_model.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pipeline/core/content_hash.h"

namespace modstream {
namespace {

constexpr int32_t kClassifierToken = 101;  // [CLS]
constexpr int32_t kSeparatorToken = 102;   // [SEP]

void checkDigests(const std::filesystem::path& dir,
                  const std::map<std::string, std::string>& pinned) {
  for (const auto& [name, expected] : pinned) {
    const auto file = dir / name;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw std::runtime_error(file.string() + ": missing (expected SHA-256 " + expected +
                               "; ops/models/fetch.sh fetches it)");
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (hexDigest(HashType::kSha256, bytes.str()) != expected) {
      throw std::runtime_error(file.string() + ": not the model the heads were trained on " +
                               "(expected SHA-256 " + expected + ")");
    }
  }
}

// Workers are the parallelism: one transformer call runs on its worker's thread. Left to
// themselves, libtorch's intra-op pool and OpenBLAS's pthreads each start a thread per core for
// every call and spin between calls, so two workers running the model keep every core busy and
// starve the rest of the pipeline (the firehose drained 13x slower). Process-wide settings of those
// libraries, set once when the model loads; OpenBLAS is reached by name because libtorch links
// the generic BLAS interface, not OpenBLAS itself.
void runModelOnCallingThread() {
  at::set_num_threads(1);
  using SetThreads = void (*)(int);
  if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(1);
  }
}

}  // namespace

std::filesystem::path defaultModelDirectory(const std::string& name) {
  // Read at start-up, while the config is validated; nothing in the process calls setenv.
  const char* cache = std::getenv("MODSTREAM_CACHE");  // NOLINT(concurrency-mt-unsafe)
  const char* home = std::getenv("HOME");              // NOLINT(concurrency-mt-unsafe)
  const std::filesystem::path root = cache && *cache ? std::filesystem::path(cache)
                                     : home ? std::filesystem::path(home) / ".cache" / "modstream"
                                            : std::filesystem::path(".cache/modstream");
  return root / "models" / name;
}

LanguageModel::LanguageModel(const std::filesystem::path& model_dir,
                             const std::map<std::string, std::string>& pinned_sha256)
    : directory_((checkDigests(model_dir, pinned_sha256), model_dir)),
      encoder_(model_dir),
      model_text_(encoder_.tokenizer()),
      token_vectors_(encoder_.tokenEmbeddings()),
      vocabulary_(token_vectors_.size() / SentenceEncoder::kDimensions) {
  runModelOnCallingThread();
}

std::vector<float> LanguageModel::staticEmbedding(std::string_view text) const {
  constexpr size_t kDimensions = SentenceEncoder::kDimensions;
  // Summed on the stack: the compiler can see it aliases no token row, and so adds in vectors
  // (into a heap vector it added one float at a time, a tenth of a firehose worker's time).
  std::array<float, kDimensions> sum{};
  for (int32_t id : encoder_.tokenizer().encode(model_text_.read(text))) {
    if (id == kClassifierToken || id == kSeparatorToken) continue;
    const auto row = static_cast<size_t>(id);
    if (row >= vocabulary_) continue;
    const float* vector = token_vectors_.data() + row * kDimensions;
    for (size_t i = 0; i < kDimensions; ++i) sum[i] += vector[i];
  }
  float norm = 0;
  for (float v : sum) norm += v * v;
  norm = std::sqrt(norm);
  if (norm > 1e-12f) {
    for (float& v : sum) v /= norm;
  }
  return {sum.begin(), sum.end()};
}

std::vector<std::vector<float>> LanguageModel::fullEmbeddings(
    const std::vector<std::string>& texts) const {
  std::vector<std::string> readable;
  readable.reserve(texts.size());
  for (const auto& text : texts) readable.push_back(model_text_.read(text));
  return encoder_.embed(readable);
}

}  // namespace modstream
