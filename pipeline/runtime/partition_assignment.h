#pragma once
// PartitionAssignment: the input partitions this member owns, and the worker that serves each.
// One worker serves a partition number across every input topic (partition p of posts, media and
// decisions holds the same accounts), so per-partition state is only ever touched by one thread;
// a new number goes to the worker serving the fewest.
//
// Threading: the consumer thread only.

#include <map>
#include <memory>
#include <vector>

#include "pipeline/core/ids.h"
#include "pipeline/runtime/partition_state.h"

namespace modstream {

class PartitionAssignment {
 public:
  explicit PartitionAssignment(size_t workers) : worker_load_(workers, 0) {}

  struct Added {
    std::shared_ptr<PartitionState> state;
    bool new_number = false;  // no other assigned topic holds this partition number
  };
  Added add(const TopicPartition& tp);
  // Returns true when no assigned topic holds the partition's number any more.
  bool remove(const TopicPartition& tp);

  // Null when `tp` is not assigned.
  std::shared_ptr<PartitionState> find(const TopicPartition& tp) const;
  std::vector<std::shared_ptr<PartitionState>> states() const;
  const std::map<TopicPartition, std::shared_ptr<PartitionState>>& all() const { return states_; }
  size_t size() const { return states_.size(); }

 private:
  struct NumberOwner {
    size_t worker;
    int topics;  // assigned topic-partitions with this number
  };
  std::map<TopicPartition, std::shared_ptr<PartitionState>> states_;
  std::map<Partition, NumberOwner> numbers_;
  std::vector<size_t> worker_load_;  // partition numbers per worker
};

}  // namespace modstream
