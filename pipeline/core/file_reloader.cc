#include "pipeline/core/file_reloader.h"

#include <spdlog/spdlog.h>

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
  auto loaded = loader_(errors);
  if (!loaded || !errors.empty()) {
    spdlog::error("{} reload failed; keeping the ones loaded before:\n{}", what_, errors.str());
    return false;
  }
  current_.store(std::move(loaded));
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
