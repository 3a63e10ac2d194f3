#pragma once
// PartitionState: the runtime's view of one assigned input partition: which worker serves it,
// which of its records are done (OffsetTracker) and what is committed.
//
// Threading: shared by the consumer thread, the partition's worker and the publisher's delivery
// thread; each field says who touches it.

#include <atomic>
#include <string>

#include "pipeline/core/ids.h"
#include "pipeline/kafka/output_publisher.h"
#include "pipeline/runtime/offset_tracker.h"

namespace modstream {

class PartitionState final : public DeliveryListener {
 public:
  PartitionState(TopicPartition tp, size_t worker) : tp_(std::move(tp)), worker_(worker) {}

  // From the delivery thread: one output of the record at `source_offset` was (not) delivered.
  void delivered(Offset source_offset, bool ok, const std::string& reason) override;

  const TopicPartition& topicPartition() const { return tp_; }
  size_t worker() const { return worker_; }
  OffsetTracker& tracker() { return tracker_; }
  // The next offset already committed (none yet: Offset{}); touched by the consumer thread only.
  Offset committed;
  // Set once the partition was revoked and its drain timed out: workers skip its remaining records.
  std::atomic<bool> abandoned{false};

 private:
  TopicPartition tp_;
  size_t worker_;
  OffsetTracker tracker_;
};

}  // namespace modstream
