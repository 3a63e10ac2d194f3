#pragma once
// LanguageModel: all-MiniLM-L6-v2 in process, one copy shared by every worker, giving the two
// embeddings CategoryHeads read:
// Both read the post as ModelText gives it (obfuscation undone), so training and serving agree.
// - staticEmbedding: the mean of the model's input token embeddings (no attention), L2-normalised.
//   A table lookup per token, cheap enough for every post.
// - fullEmbeddings: the transformer's sentence embedding (SentenceEncoder), for a batch of texts.
//
// The model directory is made by ops/models/fetch.sh; the files the heads were trained on must
// carry the SHA-256 digests the heads file pins (checked once at construction).
//
// Threading: both methods may be called from several threads at once.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stages/text_risk/model_text.h"
#include "stages/text_risk/sentence_encoder.h"
#include "stages/text_risk/text_embedder.h"

namespace modstream {

class LanguageModel final : public TextEmbedder {
 public:
  // Throws std::runtime_error naming the file that is missing, unreadable or not the pinned one
  // (with the expected digest).
  LanguageModel(const std::filesystem::path& model_dir,
                const std::map<std::string, std::string>& pinned_sha256);

  std::vector<float> staticEmbedding(std::string_view text) const override;
  std::vector<std::vector<float>> fullEmbeddings(
      const std::vector<std::string>& texts) const override;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  SentenceEncoder encoder_;
  ModelText model_text_;                  // reads encoder_'s vocabulary
  std::span<const float> token_vectors_;  // vocabulary x kDimensions, row-major, in encoder_
  size_t vocabulary_ = 0;
};

// The model directory ops/models/fetch.sh writes: $MODSTREAM_CACHE (default ~/.cache/modstream)
// /models/<name>.
std::filesystem::path defaultModelDirectory(const std::string& name);

}  // namespace modstream
