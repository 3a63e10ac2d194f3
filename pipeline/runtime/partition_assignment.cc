#include "pipeline/runtime/partition_assignment.h"

#include <algorithm>

namespace modstream {

PartitionAssignment::Added PartitionAssignment::add(const TopicPartition& tp) {
  if (auto existing = find(tp)) return {existing, false};
  auto [number, inserted] = numbers_.try_emplace(tp.partition, NumberOwner{0, 0});
  if (inserted) {
    auto least = std::min_element(worker_load_.begin(), worker_load_.end());
    *least += 1;
    number->second.worker = static_cast<size_t>(least - worker_load_.begin());
  }
  number->second.topics += 1;
  auto state = std::make_shared<PartitionState>(tp, number->second.worker);
  states_[tp] = state;
  return {state, inserted};
}

bool PartitionAssignment::remove(const TopicPartition& tp) {
  if (states_.erase(tp) == 0) return false;
  auto number = numbers_.find(tp.partition);
  if (number == numbers_.end() || --number->second.topics > 0) return false;
  worker_load_[number->second.worker] -= 1;
  numbers_.erase(number);
  return true;
}

std::shared_ptr<PartitionState> PartitionAssignment::find(const TopicPartition& tp) const {
  auto it = states_.find(tp);
  return it == states_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<PartitionState>> PartitionAssignment::states() const {
  std::vector<std::shared_ptr<PartitionState>> states;
  states.reserve(states_.size());
  for (const auto& [tp, state] : states_) states.push_back(state);
  return states;
}

}  // namespace modstream
