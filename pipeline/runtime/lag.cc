#include "pipeline/runtime/lag.h"

#include <algorithm>

namespace modstream {

void publishLag(const PartitionAssignment& assignment, GroupConsumer& consumer,
                PipelineMetrics& metrics) {
  for (const auto& [tp, state] : assignment.all()) {
    const std::optional<Offset> end = consumer.endOffset(tp);
    if (!end) continue;  // not fetched yet: no end offset known
    Offset done = state->committed;
    if (done.value < 0) {
      // Nothing committed by this process yet: it started at the group's committed offset, and
      // its fetch position is the closest known bound.
      const std::optional<Offset> position = consumer.position(tp);
      if (!position) continue;
      done = *position;
    }
    metrics.setLag(tp.topic, tp.partition.value, std::max<int64_t>(0, end->value - done.value));
  }
}

}  // namespace modstream
