#include "pipeline/runtime/worker_pool.h"

namespace modstream {

WorkerPool::WorkerPool(size_t threads, const ProcessorFactory& make_processor,
                       OutputPublisher& publisher, std::atomic<int64_t>& in_flight_bytes,
                       CommitGate* gate)
    : publisher_(publisher), in_flight_bytes_(in_flight_bytes), gate_(gate) {
  for (size_t i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->processor = make_processor();
    workers_.push_back(std::move(worker));
  }
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([this, w] { run(*w); });
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::submit(WorkItem item) {
  Worker& worker = *workers_[item.partition->worker() % workers_.size()];
  {
    std::lock_guard lock(worker.mutex);
    worker.queue.push_back(std::move(item));
  }
  worker.ready.notify_one();
}

void WorkerPool::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& worker : workers_) {
    { std::lock_guard lock(worker->mutex); }
    worker->ready.notify_all();
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void WorkerPool::run(Worker& worker) {
  std::vector<WorkItem> items;
  std::vector<const InputRecord*> upcoming;
  while (true) {
    std::unique_lock lock(worker.mutex);
    worker.ready.wait(lock, [&] { return stopping_.load() || !worker.queue.empty(); });
    if (stopping_.load()) return;
    // Everything queued, up to kMaxRun records: stages may batch work across them (lookAhead).
    items.clear();
    while (!worker.queue.empty() && items.size() < kMaxRun) {
      items.push_back(std::move(worker.queue.front()));
      worker.queue.pop_front();
    }
    lock.unlock();

    if (items.size() > 1) {
      upcoming.clear();
      for (const auto& item : items) {
        if (!item.partition->abandoned.load()) upcoming.push_back(&item.record);
      }
      worker.processor->lookAhead(upcoming);
    }
    for (auto& item : items) {
      if (stopping_.load()) return;
      processItem(worker, item);
    }
  }
}

void WorkerPool::processItem(Worker& worker, const WorkItem& item) {
  const auto bytes = static_cast<int64_t>(item.record.sizeBytes());
  const Offset offset = item.record.source().offset;
  if (!item.partition->abandoned.load()) {
    const GatePass pass(gate_);
    std::vector<OutputRecord> outputs = worker.processor->process(item.record);
    int enqueued = 0;
    bool all_enqueued = true;
    for (const auto& output : outputs) {
      if (!publisher_.publish(output, item.partition, offset, stopping_)) {
        all_enqueued = false;
        break;
      }
      ++enqueued;
    }
    // A record whose outputs were not all enqueued is never finished, so never committed.
    if (all_enqueued) item.partition->tracker().finish(offset, enqueued);
    processed_.fetch_add(1);
  }
  in_flight_bytes_.fetch_sub(bytes);
}

}  // namespace modstream
