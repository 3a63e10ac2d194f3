#pragma once
// PartitionObserver: told which input partition numbers this process owns, so that state kept per
// partition (reputation) is restored before any record of a partition is processed and flushed
// when the partition leaves. Input topics are co-partitioned (keyed by account, same partition
// count), so a number stands for that partition of every input topic.
//
// Threading: partitionsAssigned runs on the runtime's restore thread, outside any rebalance, while
// the partition's input is paused (see StateRestorer): the consumer keeps polling meanwhile, so a
// long restore stalls neither this process nor the group. partitionsRevoked runs on the consumer
// thread, inside a rebalance, once no restore of the named partitions is running and no record of
// them is being processed.

#include <stop_token>
#include <vector>

#include "pipeline/core/ids.h"

namespace modstream {

class PartitionObserver {
 public:
  virtual ~PartitionObserver() = default;
  // Returns false when the state could not be made ready (the runtime then stops: processing
  // without it would lose counts). When `cancel` is requested (the partitions were revoked
  // meanwhile) it should return soon; what it returns then is ignored, and partitionsRevoked
  // follows.
  virtual bool partitionsAssigned(const std::vector<Partition>& partitions,
                                  std::stop_token cancel) = 0;
  // After the partitions' records are drained and committed (`clean`), or, when the assignment
  // was lost, without that: another process may already own them.
  virtual void partitionsRevoked(const std::vector<Partition>& partitions, bool clean) = 0;
};

}  // namespace modstream
