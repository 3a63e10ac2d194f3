#pragma once
// Console sessions and the login throttle.
//
// A session is a random 256-bit token (libsodium's randombytes) in an HttpOnly, SameSite=Strict
// cookie, with a second random token for CSRF that the page sends back in a header on every
// request that changes something; the server compares them in constant time. Sessions live in
// memory only: a restarted console asks people to log in again, and nothing else is lost (claims
// and decisions are in Kafka).
//
// The throttle counts failed logins per user name and per client address in a sliding window;
// over the limit, logins for that name or from that address are refused without checking the
// password until the window has passed.
//
// Thread-safety: every method locks; called from the HTTP server's threads.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "console/users.h"

namespace modstream {

// A fresh random token, 64 hex characters.
std::string randomToken();

// Equal strings, compared in time independent of where they differ.
bool sameToken(const std::string& a, const std::string& b);

struct Session {
  std::string user;
  Role role = Role::kModerator;
  std::string csrf_token;
  int64_t started_ms = 0;  // login: time on shift counts from here
  int64_t expires_ms = 0;
};

class SessionStore {
 public:
  explicit SessionStore(int64_t lifetime_ms) : lifetime_ms_(lifetime_ms) {}

  // Starts a session for `user`; returns its token.
  std::string start(const User& user, int64_t now_ms);
  // The live session of `token`, if any (expired ones are removed).
  std::optional<Session> find(const std::string& token, int64_t now_ms);
  void end(const std::string& token);
  size_t size() const;

 private:
  int64_t lifetime_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

class LoginThrottle {
 public:
  LoginThrottle(int max_failures, int64_t window_ms)
      : max_failures_(max_failures), window_ms_(window_ms) {}

  // Whether a login for `user` from `address` may be tried now.
  bool allowed(const std::string& user, const std::string& address, int64_t now_ms);
  void failed(const std::string& user, const std::string& address, int64_t now_ms);

 private:
  bool underLimit(std::deque<int64_t>& failures, int64_t now_ms) const;

  int max_failures_;
  int64_t window_ms_;
  std::mutex mutex_;
  std::map<std::string, std::deque<int64_t>> by_user_;
  std::map<std::string, std::deque<int64_t>> by_address_;
};

}  // namespace modstream
