#include "stages/text_risk/sentence_encoder.h"

#include <torch/script.h>

#include <stdexcept>

namespace modstream {

struct SentenceEncoder::Model {
  torch::jit::script::Module module;
};

SentenceEncoder::SentenceEncoder(const std::filesystem::path& model_dir, size_t max_length)
    : tokenizer_(model_dir / "tokenizer.json", max_length), model_(std::make_unique<Model>()) {
  const auto traced = model_dir / "torchscript" / "model.pt";
  if (!std::filesystem::exists(traced)) {
    throw std::runtime_error(traced.string() + ": missing (ops/models/fetch.sh makes it)");
  }
  try {
    model_->module = torch::jit::load(traced.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error(traced.string() + ": cannot be loaded: " + e.what_without_backtrace());
  }
  model_->module.eval();
}

SentenceEncoder::~SentenceEncoder() = default;

std::span<const float> SentenceEncoder::tokenEmbeddings() const {
  for (const auto& parameter : model_->module.named_parameters()) {
    if (parameter.name != "embeddings.word_embeddings.weight") continue;
    const torch::Tensor& table = parameter.value;
    if (table.scalar_type() != torch::kFloat32 || !table.is_contiguous()) break;
    return {table.data_ptr<float>(), static_cast<size_t>(table.numel())};
  }
  throw std::runtime_error("the traced model has no float32 embeddings.word_embeddings.weight");
}

std::vector<std::vector<float>> SentenceEncoder::embed(
    const std::vector<std::string>& texts) const {
  if (texts.empty()) return {};
  std::vector<std::vector<int32_t>> ids;
  size_t longest = 0;
  for (const auto& text : texts) {
    ids.push_back(tokenizer_.encode(text));
    longest = std::max(longest, ids.back().size());
  }
  const auto rows = static_cast<int64_t>(texts.size());
  const auto columns = static_cast<int64_t>(longest);
  torch::Tensor input_ids = torch::zeros({rows, columns}, torch::kInt64);  // 0: [PAD]
  torch::Tensor mask = torch::zeros({rows, columns}, torch::kInt64);
  auto id_cells = input_ids.accessor<int64_t, 2>();
  auto mask_cells = mask.accessor<int64_t, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    const auto& row = ids[static_cast<size_t>(r)];
    for (size_t c = 0; c < row.size(); ++c) {
      id_cells[r][static_cast<int64_t>(c)] = row[c];
      mask_cells[r][static_cast<int64_t>(c)] = 1;
    }
  }
  c10::InferenceMode inference;
  const auto output = model_->module.forward({input_ids, mask});
  const torch::Tensor tokens = output.toTuple()->elements()[0].toTensor();  // rows x len x 384
  const torch::Tensor weights = mask.unsqueeze(-1).to(torch::kFloat32);
  torch::Tensor pooled = (tokens * weights).sum(1) / weights.sum(1).clamp_min(1e-9);
  // L2 normalisation as torch.nn.functional.normalize: x / max(|x|, 1e-12).
  pooled = pooled / pooled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  pooled = pooled.contiguous();
  std::vector<std::vector<float>> out(texts.size());
  const float* data = pooled.data_ptr<float>();
  for (size_t r = 0; r < texts.size(); ++r) {
    out[r].assign(data + r * kDimensions, data + (r + 1) * kDimensions);
  }
  return out;
}

}  // namespace modstream
