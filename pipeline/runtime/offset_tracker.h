#pragma once
// OffsetTracker: decides which offset of one partition may be committed under at-least-once.
// An offset is committable only when its record and every record before it have been processed and
// every output they produced has been acknowledged by the broker.
//
// Thread-safety: begin() is called by the consumer thread, finish() by the partition's worker, and
// acknowledge()/fail() by the producer's delivery thread; all methods lock an internal mutex.

#include <deque>
#include <mutex>
#include <optional>

#include "pipeline/core/ids.h"

namespace modstream {

class OffsetTracker {
 public:
  // A record at `offset` was read and dispatched. Offsets must increase.
  void begin(Offset offset);
  // The record at `offset` was processed and produced `outputs` output records.
  void finish(Offset offset, int outputs);
  // One output of the record at `offset` was acknowledged by the broker.
  void acknowledge(Offset offset);
  // An output of the record at `offset` could not be delivered: nothing from here on may commit.
  void fail(Offset offset);

  // The offset to commit (the next one to read), if it moved past `already_committed`.
  std::optional<Offset> committable(Offset already_committed) const;
  // Records read and not yet fully done.
  size_t inFlight() const;
  bool failed() const;

 private:
  struct Entry {
    Offset offset;
    int pending_outputs = 0;  // may go below zero briefly: an ack can arrive before finish()
    bool finished = false;
  };
  Entry* find(Offset offset);
  void popCompleted();

  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  std::optional<Offset> last_completed_;
  bool failed_ = false;
};

}  // namespace modstream
