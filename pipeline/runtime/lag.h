#pragma once
// Consumer lag: per assigned partition, the records between what this member has committed and
// the partition's end, published as modstream_consumer_lag.
//
// Threading: the consumer thread.

#include "pipeline/kafka/group_consumer.h"
#include "pipeline/runtime/partition_assignment.h"
#include "pipeline/runtime/pipeline_metrics.h"

namespace modstream {

void publishLag(const PartitionAssignment& assignment, GroupConsumer& consumer,
                PipelineMetrics& metrics);

}  // namespace modstream
