#pragma once
// Reloadable<T>: data loaded from files (hash banks, lexicons, URL lists) that is swapped for a
// fresh copy when the files change (polled every `check_interval_ms`) or when reload() is called
// (SIGHUP). Loading happens on the caller's or the watcher's thread; workers only ever load a
// pointer, so a reload never stalls or drops a record, and records in flight finish on the data
// they started with. A load that fails keeps the previous data and logs why.
//
// Thread-safety: current() and version() from any thread; reload() is serialised internally.

#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/config/config_reader.h"

namespace modstream {

// The type-independent part: watching files, serialising loads, publishing the result.
class FileReloader {
 public:
  // Returns the new data, or nullptr with the reasons in `errors`.
  using Loader = std::function<std::shared_ptr<const void>(ConfigErrors& errors)>;

  // `what` names the data in logs ("hash banks"); `watched` are the files (or directories, whose
  // modification time changes when files are added or removed) whose change triggers a reload.
  FileReloader(std::string what, std::vector<std::filesystem::path> watched, Loader loader,
               std::shared_ptr<const void> initial, int check_interval_ms);
  ~FileReloader();
  FileReloader(const FileReloader&) = delete;
  FileReloader& operator=(const FileReloader&) = delete;

  // Publishes the data's state to operators, labelled data="<what>": when it was loaded, when its
  // newest source file changed, its version (that time, ISO 8601) and reloads by result.
  void attachMetrics(prometheus::Registry& registry);

  std::shared_ptr<const void> current() const { return current_.load(); }
  // Bumped on every successful swap: lets each worker notice with one load.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  bool reload();

 private:
  struct FileStamp {
    std::filesystem::file_time_type modified;
    uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::vector<FileStamp> stamps() const;
  void publishLoaded(bool ok);  // with reload_mutex_ held
  void watch(int check_interval_ms);

  std::string what_;
  std::vector<std::filesystem::path> watched_;
  Loader loader_;
  std::atomic<std::shared_ptr<const void>> current_;
  std::atomic<uint64_t> version_{0};
  std::mutex reload_mutex_;
  std::vector<FileStamp> last_stamps_;

  struct Metrics;
  std::unique_ptr<Metrics> metrics_;

  std::mutex watch_mutex_;
  std::condition_variable stop_watching_;
  bool stopping_ = false;
  std::thread watcher_;
};

template <typename T>
class Reloadable {
 public:
  using Loader = std::function<std::shared_ptr<const T>(ConfigErrors& errors)>;

  Reloadable(std::string what, std::vector<std::filesystem::path> watched, Loader loader,
             std::shared_ptr<const T> initial, int check_interval_ms)
      : files_(
            std::move(what), std::move(watched),
            [loader = std::move(loader)](ConfigErrors& errors) -> std::shared_ptr<const void> {
              return loader(errors);
            },
            std::move(initial), check_interval_ms) {}

  std::shared_ptr<const T> current() const {
    return std::static_pointer_cast<const T>(files_.current());
  }
  uint64_t version() const { return files_.version(); }
  bool reload() { return files_.reload(); }
  void attachMetrics(prometheus::Registry& registry) { files_.attachMetrics(registry); }

 private:
  FileReloader files_;
};

// A worker's view of a Reloadable: the data it uses, refreshed between records with one atomic
// load when nothing changed.
template <typename T>
class ReloadableView {
 public:
  explicit ReloadableView(std::shared_ptr<const Reloadable<T>> source)
      : source_(std::move(source)), data_(source_->current()), version_(source_->version()) {}

  const T& refreshed() {
    if (const uint64_t version = source_->version(); version != version_) {
      data_ = source_->current();
      version_ = version;
    }
    return *data_;
  }
  const std::shared_ptr<const T>& shared() const { return data_; }

 private:
  std::shared_ptr<const Reloadable<T>> source_;
  std::shared_ptr<const T> data_;
  uint64_t version_;
};

}  // namespace modstream
