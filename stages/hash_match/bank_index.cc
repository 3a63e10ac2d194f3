#include "stages/hash_match/bank_index.h"

#include <algorithm>

namespace modstream {
namespace {

std::string exactKey(HashType type, const std::string& hex) {
  return std::string(hashTypeName(type)) + ":" + hex;
}

}  // namespace

void BankIndex::addBank(IndexedBank bank, std::vector<BankEntry> entries) {
  banks_.push_back(std::make_unique<IndexedBank>(std::move(bank)));
  const IndexedBank* owner = banks_.back().get();
  for (auto& entry : entries) {
    if (entry.hash_type == HashType::kPdq) {
      auto hash = PdqHash::fromHex(entry.value);
      if (!hash) continue;  // validated on load; unreachable
      pending_pdq_.push_back(*hash);
      pdq_entries_.push_back(std::move(entry));
      pdq_banks_.push_back(owner);
      pdq_search_distance_ = std::max(pdq_search_distance_, owner->pdq_max_distance);
    } else {
      exact_by_value_.emplace(exactKey(entry.hash_type, entry.value), exact_entries_.size());
      exact_entries_.push_back(std::make_unique<BankEntry>(std::move(entry)));
      exact_banks_.push_back(owner);
    }
  }
}

void BankIndex::finish() {
  pdq_index_.emplace(std::move(pending_pdq_));
}

std::vector<BankIndex::Hit> BankIndex::findExact(HashType type, const std::string& hex) const {
  std::vector<Hit> hits;
  auto [begin, end] = exact_by_value_.equal_range(exactKey(type, hex));
  for (auto it = begin; it != end; ++it) {
    hits.push_back(Hit{exact_banks_[it->second], exact_entries_[it->second].get(), 0});
  }
  return hits;
}

std::vector<BankIndex::Hit> BankIndex::findPdq(const PdqHash& query) const {
  std::vector<Hit> hits;
  if (!pdq_index_ || pdq_index_->size() == 0) return hits;
  std::vector<PdqIndex::Hit> found;
  pdq_index_->search(query, pdq_search_distance_, found);
  for (const auto& f : found) {
    const IndexedBank* bank = pdq_banks_[f.id];
    if (f.distance <= bank->pdq_max_distance) {
      hits.push_back(Hit{bank, &pdq_entries_[f.id], f.distance});
    }
  }
  return hits;
}

}  // namespace modstream
