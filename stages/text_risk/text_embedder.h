#pragma once
// TextEmbedder: what the learned tier needs from a language model, the two embeddings its heads
// read. LanguageModel is the real one; tests stand in for it (a model that fails, for one).
//
// Threading: both methods may be called from several threads at once.

#include <string>
#include <string_view>
#include <vector>

namespace modstream {

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  // The mean of the model's input token embeddings, L2-normalised: cheap, for every post.
  virtual std::vector<float> staticEmbedding(std::string_view text) const = 0;
  // The transformer's sentence embedding of each text, in one batch. May throw.
  virtual std::vector<std::vector<float>> fullEmbeddings(
      const std::vector<std::string>& texts) const = 0;
};

}  // namespace modstream
