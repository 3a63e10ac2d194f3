#include "pipeline/runtime/state_restorer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

namespace modstream {

StateRestorer::StateRestorer(std::vector<PartitionObserver*> observers)
    : observers_(std::move(observers)),
      thread_([this](const std::stop_token& stop) { work(stop); }) {}

StateRestorer::~StateRestorer() {
  {
    std::lock_guard lock(mutex_);
    queued_.clear();
    running_stop_.request_stop();
  }
  thread_.request_stop();
  thread_.join();
}

void StateRestorer::restore(Partition partition) {
  std::lock_guard lock(mutex_);
  queued_.push_back(partition);
  changed_.notify_all();
}

void StateRestorer::cancel(Partition partition) {
  std::unique_lock lock(mutex_);
  std::erase(queued_, partition);
  std::erase_if(finished_, [&](const Outcome& outcome) { return outcome.partition == partition; });
  if (running_ == partition) {
    running_stop_.request_stop();
    changed_.wait(lock, [&] { return running_ != partition; });
  }
}

std::vector<StateRestorer::Outcome> StateRestorer::takeFinished() {
  std::lock_guard lock(mutex_);
  return std::exchange(finished_, {});
}

void StateRestorer::work(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  while (changed_.wait(lock, stop, [&] { return !queued_.empty(); })) {
    const Partition partition = queued_.front();
    queued_.pop_front();
    running_ = partition;
    running_stop_ = std::stop_source();
    const std::stop_token cancel = running_stop_.get_token();
    lock.unlock();

    bool ready = true;
    for (auto* observer : observers_) {
      if (cancel.stop_requested()) break;
      try {
        ready = observer->partitionsAssigned({partition}, cancel);
      } catch (const std::exception& e) {
        spdlog::critical("restoring the state of partition {} failed: {}", partition.value,
                         e.what());
        ready = false;
      }
      if (!ready) break;
    }

    lock.lock();
    running_.reset();
    if (!cancel.stop_requested()) finished_.push_back({partition, ready});
    changed_.notify_all();
  }
}

}  // namespace modstream
