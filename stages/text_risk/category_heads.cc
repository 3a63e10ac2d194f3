#include "stages/text_risk/category_heads.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline/core/content_hash.h"

namespace modstream {
namespace {

constexpr std::array<ModelTier, 2> kTiers = {ModelTier::kStatic, ModelTier::kFull};

std::optional<std::string> readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Eight independent sums: the compiler may not reorder one float sum (no -ffast-math), and one
// chain of dependent additions is what made scoring a fifth of a firehose worker's time.
// `b` is float (head weights) or int8 (exemplar rows).
template <typename Value>
double dot(const float* a, const Value* b, size_t n) {
  std::array<float, 8> sums{};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) sums[k] += a[i + k] * static_cast<float>(b[i + k]);
  }
  float total = 0;
  for (; i < n; ++i) total += a[i] * static_cast<float>(b[i]);
  for (float sum : sums) total += sum;
  return static_cast<double>(total);
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

std::array<float, 3> contextFeatures(const TextRiskContext& context) {
  return {context.direct_message ? 1.0f : 0.0f,
          context.direct_message && context.recipient_is_minor ? 1.0f : 0.0f,
          context.reply ? 1.0f : 0.0f};
}

}  // namespace

std::string_view modelTierName(ModelTier tier) {
  return tier == ModelTier::kStatic ? "static" : "full";
}

std::shared_ptr<const CategoryHeads> CategoryHeads::load(const std::filesystem::path& heads_file,
                                                         const std::string& config_path,
                                                         ConfigErrors& errors) {
  const std::string where = config_path + " (" + heads_file.string() + ")";
  const auto text = readFile(heads_file);
  if (!text) {
    errors.add(config_path, heads_file.string() + ": cannot be read");
    return nullptr;
  }
  auto heads = std::make_shared<CategoryHeads>();
  try {
    const auto json = nlohmann::json::parse(*text);
    heads->dimensions_ = json.at("dimensions").get<size_t>();
    heads->model_name_ = json.at("model").get<std::string>();
    heads->model_files_ = json.at("model_files").get<std::map<std::string, std::string>>();
    heads->categories_ = json.at("categories").get<std::vector<std::string>>();
    for (ModelTier tier : kTiers) {
      const size_t inputs = heads->embeddingInputs(tier) + kContextFeatures;
      const auto& tier_json = json.at("tiers").at(std::string(modelTierName(tier)));
      const std::vector<std::string> expected_inputs =
          tier == ModelTier::kFull ? std::vector<std::string>{"full", "static"}
                                   : std::vector<std::string>{"static"};
      if (tier_json.at("inputs").get<std::vector<std::string>>() != expected_inputs) {
        errors.add(where, "tiers." + std::string(modelTierName(tier)) +
                              ".inputs: not the embeddings this version reads (" +
                              tier_json.at("inputs").dump() + ")");
        return nullptr;
      }
      for (const auto& category : heads->categories_) {
        const auto& head_json = tier_json.at(category);
        Head head;
        head.weights = head_json.at("weights").get<std::vector<float>>();
        head.bias = head_json.at("bias").get<double>();
        head.calibration_scale = head_json.at("calibration").at("scale").get<double>();
        head.calibration_offset = head_json.at("calibration").at("offset").get<double>();
        if (head.weights.size() != inputs) {
          errors.add(where, "tiers." + std::string(modelTierName(tier)) + "." + category +
                                ".weights: " + std::to_string(head.weights.size()) +
                                " values, expected " + std::to_string(inputs));
          return nullptr;
        }
        heads->heads_[static_cast<size_t>(tier)].push_back(std::move(head));
      }
    }
    const auto& exemplars = json.at("exemplars");
    for (const auto& exemplar : exemplars.at("messages")) {
      heads->exemplars_.push_back({exemplar.at("id").get<std::string>(),
                                   exemplar.at("labels").get<std::vector<std::string>>()});
    }
    for (const auto& category : heads->categories_) {
      auto& indices = heads->exemplars_by_category_.emplace_back();
      for (size_t e = 0; e < heads->exemplars_.size(); ++e) {
        const auto& labels = heads->exemplars_[e].labels;
        if (std::find(labels.begin(), labels.end(), category) != labels.end()) indices.push_back(e);
      }
    }
    const auto vectors_file = heads_file.parent_path() / exemplars.at("file").get<std::string>();
    const auto expected_digest = exemplars.at("sha256").get<std::string>();
    const auto vectors = readFile(vectors_file);
    if (!vectors) {
      errors.add(where, vectors_file.string() + ": cannot be read (expected SHA-256 " +
                            expected_digest + ")");
      return nullptr;
    }
    if (hexDigest(HashType::kSha256, *vectors) != expected_digest) {
      errors.add(where, vectors_file.string() + ": SHA-256 is not the expected " + expected_digest);
      return nullptr;
    }
    const size_t per_tier = heads->exemplars_.size() * heads->dimensions_;
    if (vectors->size() != 2 * per_tier) {
      errors.add(where, vectors_file.string() + ": " + std::to_string(vectors->size()) +
                            " bytes, expected " + std::to_string(2 * per_tier));
      return nullptr;
    }
    for (ModelTier tier : kTiers) {
      const auto* begin =
          reinterpret_cast<const int8_t*>(vectors->data()) + static_cast<size_t>(tier) * per_tier;
      heads->exemplar_vectors_[static_cast<size_t>(tier)].assign(begin, begin + per_tier);
    }
  } catch (const nlohmann::json::exception& e) {
    errors.add(where, e.what());
    return nullptr;
  }
  return heads;
}

size_t CategoryHeads::embeddingInputs(ModelTier tier) const {
  return tier == ModelTier::kFull ? 2 * dimensions_ : dimensions_;
}

std::vector<ModelFinding> CategoryHeads::score(ModelTier tier, const MessageEmbeddings& embeddings,
                                               const TextRiskContext& context) const {
  const auto context_values = contextFeatures(context);
  // The tier's inputs in the order the weights expect; a missing embedding reads as zeros.
  std::array<std::span<const float>, 2> parts = {embeddings.static_embedding, {}};
  size_t part_count = 1;
  if (tier == ModelTier::kFull) {
    parts = {embeddings.full, embeddings.static_embedding};
    part_count = 2;
  }
  std::vector<ModelFinding> findings;
  findings.reserve(categories_.size());
  const auto& heads = heads_[static_cast<size_t>(tier)];
  for (size_t c = 0; c < categories_.size(); ++c) {
    const Head& head = heads[c];
    double logit = head.bias;
    size_t offset = 0;
    for (size_t p = 0; p < part_count; ++p) {
      const size_t n = std::min(dimensions_, parts[p].size());
      logit += dot(head.weights.data() + offset, parts[p].data(), n);
      offset += dimensions_;
    }
    for (size_t i = 0; i < kContextFeatures; ++i) {
      logit += static_cast<double>(head.weights[offset + i] * context_values[i]);
    }
    ModelFinding finding;
    finding.category = categories_[c];
    finding.probability = sigmoid(head.calibration_scale * logit + head.calibration_offset);
    finding.tier = tier;
    findings.push_back(std::move(finding));
  }
  return findings;
}

void CategoryHeads::explain(const MessageEmbeddings& embeddings, ModelFinding& finding) const {
  const auto category = std::find(categories_.begin(), categories_.end(), finding.category);
  if (category == categories_.end()) return;
  const auto& vectors = exemplar_vectors_[static_cast<size_t>(finding.tier)];
  const auto embedding =
      finding.tier == ModelTier::kFull ? embeddings.full : embeddings.static_embedding;
  const size_t n = std::min(dimensions_, embedding.size());
  double best = -2;
  for (const size_t e :
       exemplars_by_category_[static_cast<size_t>(category - categories_.begin())]) {
    const double similarity = dot(embedding.data(), vectors.data() + e * dimensions_, n) / 127.0;
    if (similarity > best) {
      best = similarity;
      finding.nearest_example = exemplars_[e].id;
      finding.similarity = similarity;
    }
  }
}

}  // namespace modstream
