#include "pipeline/runtime/offset_tracker.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace modstream {

void OffsetTracker::begin(Offset offset) {
  std::lock_guard lock(mutex_);
  if (!entries_.empty() && offset <= entries_.back().offset) {
    throw std::logic_error("OffsetTracker::begin: offset " + std::to_string(offset.value) +
                           " is not after " + std::to_string(entries_.back().offset.value));
  }
  entries_.push_back(Entry{offset});
}

OffsetTracker::Entry* OffsetTracker::find(Offset offset) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const Entry& e, Offset o) { return e.offset < o; });
  if (it == entries_.end() || it->offset != offset) return nullptr;
  return &*it;
}

void OffsetTracker::popCompleted() {
  while (!entries_.empty() && entries_.front().finished && entries_.front().pending_outputs == 0) {
    last_completed_ = entries_.front().offset;
    entries_.pop_front();
  }
}

void OffsetTracker::finish(Offset offset, int outputs) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(offset)) {
    e->finished = true;
    e->pending_outputs += outputs;
    popCompleted();
  }
}

void OffsetTracker::acknowledge(Offset offset) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(offset)) {
    e->pending_outputs -= 1;
    popCompleted();
  }
}

void OffsetTracker::fail(Offset /*offset*/) {
  std::lock_guard lock(mutex_);
  failed_ = true;
}

std::optional<Offset> OffsetTracker::committable(Offset already_committed) const {
  std::lock_guard lock(mutex_);
  if (failed_ || !last_completed_) return std::nullopt;
  const Offset next{last_completed_->value + 1};
  if (next <= already_committed) return std::nullopt;
  return next;
}

size_t OffsetTracker::inFlight() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool OffsetTracker::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

}  // namespace modstream
