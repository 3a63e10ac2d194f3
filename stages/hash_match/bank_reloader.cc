#include "stages/hash_match/bank_reloader.h"

#include <spdlog/spdlog.h>

#include "stages/hash_match/hash_match_stage.h"

namespace modstream {

BankReloader::BankReloader(const HashMatchConfig& config, std::filesystem::path base_dir,
                           std::string config_path, std::shared_ptr<const BankIndex> initial,
                           int check_interval_ms)
    : config_(std::make_unique<HashMatchConfig>(config)),
      base_dir_(std::move(base_dir)),
      config_path_(std::move(config_path)),
      current_(std::move(initial)) {
  last_stamps_ = stamps();
  if (check_interval_ms > 0)
    watcher_ = std::thread([this, check_interval_ms] { watch(check_interval_ms); });
}

BankReloader::~BankReloader() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  stop_watching_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

std::vector<BankReloader::FileStamp> BankReloader::stamps() const {
  std::vector<FileStamp> out;
  for (const auto& bank : config_->banks) {
    std::error_code ec;
    const auto path = base_dir_ / bank.path;
    FileStamp stamp;
    stamp.modified = std::filesystem::last_write_time(path, ec);
    if (!ec) stamp.size = std::filesystem::file_size(path, ec);
    out.push_back(stamp);
  }
  return out;
}

bool BankReloader::reload() {
  std::lock_guard lock(reload_mutex_);
  last_stamps_ = stamps();
  ConfigErrors errors;
  std::vector<std::string> problems;
  auto index = buildBankIndex(*config_, base_dir_, config_path_, errors, &problems);
  for (const auto& problem : problems) spdlog::warn("bank line rejected: {}", problem);
  if (!errors.empty()) {
    spdlog::error("bank reload failed; the previous banks stay in use:\n{}", errors.str());
    return false;
  }
  current_.store(std::move(index));
  const uint64_t version = version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  spdlog::info("banks reloaded (version {})", version);
  return true;
}

void BankReloader::watch(int check_interval_ms) {
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
      spdlog::info("a bank file changed; reloading");
      reload();
    }
    lock.lock();
  }
}

}  // namespace modstream
