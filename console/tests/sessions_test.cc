#include "console/sessions.h"

#include <catch2/catch.hpp>
#include <set>

using namespace modstream;

TEST_CASE("session tokens are random, expire, and end at logout", "[console]") {
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) tokens.insert(randomToken());
  CHECK(tokens.size() == 100);
  CHECK(tokens.begin()->size() == 64);

  SessionStore sessions(60000);
  const User alice{"alice", Role::kLead, ""};
  const std::string token = sessions.start(alice, 1000);
  auto session = sessions.find(token, 2000);
  REQUIRE(session);
  CHECK(session->user == "alice");
  CHECK(session->role == Role::kLead);
  CHECK(session->csrf_token.size() == 64);
  CHECK(session->csrf_token != token);
  CHECK(session->started_ms == 1000);
  CHECK_FALSE(sessions.find("not-a-token", 2000));
  CHECK_FALSE(sessions.find(token, 61000));  // expired, and removed
  CHECK(sessions.size() == 0);
  const std::string again = sessions.start(alice, 70000);
  sessions.end(again);
  CHECK_FALSE(sessions.find(again, 70001));
}

TEST_CASE("CSRF tokens compare whole and never match empty", "[console]") {
  const std::string token = randomToken();
  CHECK(sameToken(token, token));
  CHECK_FALSE(sameToken(token, token.substr(0, 63)));
  CHECK_FALSE(sameToken(token, std::string(64, '0')));
  CHECK_FALSE(sameToken("", ""));
}

TEST_CASE("failed logins are limited per user name and per address in a window", "[console]") {
  LoginThrottle throttle(3, 60000);
  for (int i = 0; i < 3; ++i) {
    CHECK(throttle.allowed("alice", "10.0.0.1", 1000 + i));
    throttle.failed("alice", "10.0.0.1", 1000 + i);
  }
  CHECK_FALSE(throttle.allowed("alice", "10.0.0.2", 2000));  // the name is over its limit
  CHECK_FALSE(throttle.allowed("bob", "10.0.0.1", 2000));    // so is the address
  CHECK(throttle.allowed("bob", "10.0.0.2", 2000));
  CHECK(throttle.allowed("alice", "10.0.0.1", 61003));  // the window has passed
}
