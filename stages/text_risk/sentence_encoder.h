#pragma once
// SentenceEncoder: the sentence embedding of all-MiniLM-L6-v2, in process: BertTokenizer's ids
// through the model traced to TorchScript by ops/models/convert.py (libtorch, Debian's
// libtorch-dev), then sentence-transformers' pooling: the mean of the token vectors under the
// attention mask, L2-normalised. The ctest `embedding_compat_transformers` compares the
// embeddings with the reference computed by PyPI transformers on the corpus.
//
// Threading: embed() may be called from several threads at once (the traced module is only read);
// one encoder per process is shared by the workers.

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "stages/text_risk/bert_tokenizer.h"

namespace modstream {

class SentenceEncoder {
 public:
  static constexpr size_t kDimensions = 384;

  // `model_dir` holds tokenizer.json and torchscript/model.pt (ops/models/fetch.sh makes both).
  // Throws std::runtime_error naming the file that is missing or cannot be loaded.
  SentenceEncoder(const std::filesystem::path& model_dir, size_t max_length = 256);
  ~SentenceEncoder();
  SentenceEncoder(const SentenceEncoder&) = delete;
  SentenceEncoder& operator=(const SentenceEncoder&) = delete;

  // One unit-length vector of kDimensions per text, in one batch (padded to the longest text).
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts) const;

  const BertTokenizer& tokenizer() const { return tokenizer_; }
  // The model's input token embeddings (vocabulary rows of kDimensions floats), owned by the
  // loaded model: valid as long as this encoder.
  std::span<const float> tokenEmbeddings() const;

 private:
  struct Model;
  BertTokenizer tokenizer_;
  std::unique_ptr<Model> model_;
};

}  // namespace modstream
