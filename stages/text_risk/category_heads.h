#pragma once
// CategoryHeads: the learned tier's per-category classifiers, trained by
// ops/models/train_heads.py and read from a small JSON file (config/models/text-risk-heads.json).
// Each head is logistic regression on embeddings and three context features, then Platt-calibrated,
// so a score is the probability a moderator would flag the message in that category. There is one
// set of heads per tier: `static` reads the mean of the model's token embeddings (cheap, every
// post); `full` reads the transformer's sentence embedding followed by the static one (together
// they cross-validated better than either alone).
//
// The file also names the labelled training messages the heads learned from (exemplars, stored
// int8 in a file beside it): a finding names the nearest one, so a moderator sees what it
// resembles.
//
// Immutable once loaded; shared by every worker and swapped whole on reload.

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pipeline/config/config_reader.h"
#include "stages/text_risk/text_risk_score.h"

namespace modstream {

enum class ModelTier { kStatic, kFull };
std::string_view modelTierName(ModelTier tier);

// A message's embeddings; `full` is empty unless the transformer ran.
struct MessageEmbeddings {
  std::span<const float> static_embedding;
  std::span<const float> full;
};

// What one category's head found in one message.
struct ModelFinding {
  std::string category;
  double probability = 0;
  ModelTier tier = ModelTier::kStatic;
  std::string nearest_example;  // id of the most similar labelled message in the category
  double similarity = 0;        // its cosine similarity
};

class CategoryHeads {
 public:
  // Reads `heads_file` and the exemplar file it names; problems go to `errors` under
  // `config_path`. Returns nullptr when anything is wrong.
  static std::shared_ptr<const CategoryHeads> load(const std::filesystem::path& heads_file,
                                                   const std::string& config_path,
                                                   ConfigErrors& errors);

  size_t dimensions() const { return dimensions_; }
  const std::vector<std::string>& categories() const { return categories_; }
  // Model files the heads were trained on, by name in the model directory, with their SHA-256.
  const std::map<std::string, std::string>& modelFiles() const { return model_files_; }
  // The name of the model the heads were trained on (the model directory's name).
  const std::string& modelName() const { return model_name_; }

  // Every category's calibrated probability from the tier's inputs (unit-length, dimensions()).
  std::vector<ModelFinding> score(ModelTier tier, const MessageEmbeddings& embeddings,
                                  const TextRiskContext& context) const;
  // Fills in `finding`'s nearest labelled example among those labelled with its category, by the
  // embedding of the finding's tier.
  void explain(const MessageEmbeddings& embeddings, ModelFinding& finding) const;

 private:
  struct Head {
    std::vector<float> weights;  // the tier's embedding weights, then the context features
    double bias = 0;
    double calibration_scale = 1;
    double calibration_offset = 0;
  };
  struct Exemplar {
    std::string id;
    std::vector<std::string> labels;
  };
  static constexpr size_t kContextFeatures = 3;  // direct message, to a minor, reply
  size_t embeddingInputs(ModelTier tier) const;

  size_t dimensions_ = 0;
  std::string model_name_;
  std::map<std::string, std::string> model_files_;
  std::vector<std::string> categories_;
  std::array<std::vector<Head>, 2> heads_;  // by tier, in categories_ order
  std::vector<Exemplar> exemplars_;
  std::vector<std::vector<size_t>> exemplars_by_category_;  // indices into exemplars_, by category
  // Per tier: exemplars_.size() rows of dimensions_ int8 values, each value x/127.
  std::array<std::vector<int8_t>, 2> exemplar_vectors_;
};

}  // namespace modstream
