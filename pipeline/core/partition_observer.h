#pragma once
// PartitionObserver: told which input partition numbers this process owns, so that state kept per
// partition (reputation) is restored before any record of a partition is processed and flushed
// when the partition leaves. Input topics are co-partitioned (keyed by account, same partition
// count), so a number stands for that partition of every input topic.
//
// Threading: called on the consumer thread, inside a rebalance, while no record of the named
// partitions is being processed.

#include <cstdint>
#include <vector>

namespace modstream {

class PartitionObserver {
 public:
  virtual ~PartitionObserver() = default;
  // Returns false when the state could not be made ready (the runtime then stops: processing
  // without it would lose counts).
  virtual bool partitionsAssigned(const std::vector<int32_t>& partitions) = 0;
  // After the partitions' records are drained and committed (`clean`), or, when the assignment
  // was lost, without that: another process may already own them.
  virtual void partitionsRevoked(const std::vector<int32_t>& partitions, bool clean) = 0;
};

}  // namespace modstream
