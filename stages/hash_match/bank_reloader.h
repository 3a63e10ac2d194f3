#pragma once
// BankReloader: owns the current BankIndex of one hash_match stage and swaps in a new one when the
// bank files change (polled every `check_interval_ms`) or when reload() is called (SIGHUP).
// Building happens on the caller's or the watcher's thread; workers only ever load a pointer, so a
// reload never stalls or drops a record, and records in flight finish on the index they started
// with. A reload that fails (missing file, empty bank) keeps the previous index and says why.
//
// Thread-safety: current() and version() from any thread; reload() is serialised internally.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stages/hash_match/bank_index.h"

namespace modstream {

struct HashMatchConfig;

class BankReloader {
 public:
  BankReloader(const HashMatchConfig& config, std::filesystem::path base_dir,
               std::string config_path, std::shared_ptr<const BankIndex> initial,
               int check_interval_ms);
  ~BankReloader();
  BankReloader(const BankReloader&) = delete;
  BankReloader& operator=(const BankReloader&) = delete;

  std::shared_ptr<const BankIndex> current() const { return current_.load(); }
  // Bumped on every successful swap: lets each stage instance notice with one relaxed load.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  bool reload();

 private:
  struct FileStamp {
    std::filesystem::file_time_type modified;
    uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::vector<FileStamp> stamps() const;
  void watch(int check_interval_ms);

  std::unique_ptr<HashMatchConfig> config_;
  std::filesystem::path base_dir_;
  std::string config_path_;
  std::atomic<std::shared_ptr<const BankIndex>> current_;
  std::atomic<uint64_t> version_{0};
  std::mutex reload_mutex_;
  std::vector<FileStamp> last_stamps_;

  std::mutex watch_mutex_;
  std::condition_variable stop_watching_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace modstream
