#include "pipeline/core/file_reloader.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace modstream {

FileReloader::FileReloader(std::string what, std::vector<std::filesystem::path> watched,
                           Loader loader, std::shared_ptr<const void> initial,
                           int check_interval_ms)
    : what_(std::move(what)),
      watched_(std::move(watched)),
      loader_(std::move(loader)),
      current_(std::move(initial)) {
  last_stamps_ = stamps();
  if (check_interval_ms > 0) {
    watcher_ = std::thread([this, check_interval_ms] { watch(check_interval_ms); });
  }
}

struct FileReloader::Metrics {
  prometheus::Gauge* loaded_at = nullptr;
  prometheus::Gauge* source_modified_at = nullptr;
  prometheus::Family<prometheus::Gauge>* version_info = nullptr;
  prometheus::Gauge* current_version = nullptr;
  prometheus::Counter* reloads_ok = nullptr;
  prometheus::Counter* reloads_failed = nullptr;
};

namespace {

double epochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string isoUtc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

void FileReloader::attachMetrics(prometheus::Registry& registry) {
  std::string data = what_;
  std::replace(data.begin(), data.end(), ' ', '_');
  const prometheus::Labels labels = {{"data", data}};
  auto m = std::make_unique<Metrics>();
  m->loaded_at = &prometheus::BuildGauge()
                      .Name("modstream_data_loaded_timestamp_seconds")
                      .Help("When the data in use (banks, lexicons, policy) was loaded")
                      .Register(registry)
                      .Add(labels);
  m->source_modified_at = &prometheus::BuildGauge()
                               .Name("modstream_data_source_modified_timestamp_seconds")
                               .Help("Modification time of the newest file the data came from")
                               .Register(registry)
                               .Add(labels);
  m->version_info = &prometheus::BuildGauge()
                         .Name("modstream_data_version_info")
                         .Help("1 for the version in use: its newest source file's time (UTC)")
                         .Register(registry);
  auto& reloads = prometheus::BuildCounter()
                      .Name("modstream_data_reloads_total")
                      .Help("Reloads of data from files, by result (a failed one keeps the old)")
                      .Register(registry);
  m->reloads_ok = &reloads.Add({{"data", data}, {"result", "ok"}});
  m->reloads_failed = &reloads.Add({{"data", data}, {"result", "failed"}});
  std::lock_guard lock(reload_mutex_);
  metrics_ = std::move(m);
  publishLoaded(true);
}

void FileReloader::publishLoaded(bool ok) {
  if (!metrics_) return;
  if (!ok) {
    metrics_->reloads_failed->Increment();
    return;
  }
  metrics_->loaded_at->Set(epochSeconds(std::chrono::system_clock::now()));
  if (last_stamps_.empty()) return;
  std::filesystem::file_time_type newest = last_stamps_.front().modified;
  for (const auto& stamp : last_stamps_) newest = std::max(newest, stamp.modified);
  const auto source_time = std::chrono::file_clock::to_sys(newest);
  metrics_->source_modified_at->Set(epochSeconds(source_time));
  if (metrics_->current_version) metrics_->version_info->Remove(metrics_->current_version);
  std::string data = what_;
  std::replace(data.begin(), data.end(), ' ', '_');
  metrics_->current_version =
      &metrics_->version_info->Add({{"data", data}, {"version", isoUtc(source_time)}});
  metrics_->current_version->Set(1);
}

FileReloader::~FileReloader() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  stop_watching_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

std::vector<FileReloader::FileStamp> FileReloader::stamps() const {
  std::vector<FileStamp> out;
  for (const auto& path : watched_) {
    std::error_code ec;
    FileStamp stamp;
    stamp.modified = std::filesystem::last_write_time(path, ec);
    if (!ec && std::filesystem::is_regular_file(path, ec)) {
      stamp.size = std::filesystem::file_size(path, ec);
    }
    out.push_back(stamp);
  }
  return out;
}

bool FileReloader::reload() {
  std::lock_guard lock(reload_mutex_);
  last_stamps_ = stamps();
  ConfigErrors errors;
  std::shared_ptr<const void> loaded;
  try {
    loaded = loader_(errors);
  } catch (const std::exception& e) {  // a loader's bug must not take the process down
    errors.add(what_, std::string("loading failed: ") + e.what());
  }
  if (!loaded || !errors.empty()) {
    spdlog::error("{} reload failed; keeping the ones loaded before:\n{}", what_, errors.str());
    publishLoaded(false);
    return false;
  }
  current_.store(std::move(loaded));
  if (metrics_) metrics_->reloads_ok->Increment();
  publishLoaded(true);
  const uint64_t version = version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  spdlog::info("{} reloaded (version {})", what_, version);
  return true;
}

void FileReloader::watch(int check_interval_ms) {
  std::unique_lock lock(watch_mutex_);
  while (!stop_watching_.wait_for(lock, std::chrono::milliseconds(check_interval_ms),
                                  [this] { return stopping_; })) {
    lock.unlock();
    bool changed;
    {
      std::lock_guard reload_lock(reload_mutex_);
      changed = stamps() != last_stamps_;
    }
    if (changed) {
      spdlog::info("a file of the {} changed; reloading", what_);
      reload();
    }
    lock.lock();
  }
}

}  // namespace modstream
