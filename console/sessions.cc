#include "console/sessions.h"

#include <sodium.h>

#include <stdexcept>

namespace modstream {

std::string randomToken() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

bool sameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SessionStore::start(const User& user, int64_t now_ms) {
  Session session{user.name, user.role, randomToken(), now_ms, now_ms + lifetime_ms_};
  std::string token = randomToken();
  std::lock_guard lock(mutex_);
  // Expired sessions go when someone logs in, so the map stays as small as the live sessions.
  std::erase_if(sessions_,
                [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
  sessions_[token] = std::move(session);
  return token;
}

std::optional<Session> SessionStore::find(const std::string& token, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires_ms <= now_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::end(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool LoginThrottle::underLimit(std::deque<int64_t>& failures, int64_t now_ms) const {
  while (!failures.empty() && failures.front() <= now_ms - window_ms_) failures.pop_front();
  return static_cast<int>(failures.size()) < max_failures_;
}

bool LoginThrottle::allowed(const std::string& user, const std::string& address, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // Keys without recent failures are dropped, so the maps hold only what the window holds (an
  // address over the limit adds no more failures: at most max_failures per address per window).
  auto check = [&](std::map<std::string, std::deque<int64_t>>& failures, const std::string& key) {
    auto it = failures.find(key);
    if (it == failures.end()) return true;
    const bool ok = underLimit(it->second, now_ms);
    if (it->second.empty()) failures.erase(it);
    return ok;
  };
  const bool user_ok = check(by_user_, user);
  const bool address_ok = check(by_address_, address);
  return user_ok && address_ok;
}

void LoginThrottle::failed(const std::string& user, const std::string& address, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  by_user_[user].push_back(now_ms);
  by_address_[address].push_back(now_ms);
}

}  // namespace modstream
