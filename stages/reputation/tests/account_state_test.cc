#include "stages/reputation/account_state.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

using namespace modstream;

namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStart = 1795000000000;  // an arbitrary event time

Post directMessage(const std::string& to, bool minor, int64_t at_ms) {
  Post post;
  post.post_id = PostId("p");
  post.account_id = AccountId("a");
  post.created_at_ms = at_ms;
  post.context.kind = PostKind::kDirectMessage;
  post.context.recipient_account_id = AccountId(to);
  post.context.recipient_is_minor = minor;
  return post;
}

}  // namespace

TEST_CASE("activity is counted per hour and day and in lifetime totals", "[reputation]") {
  const ReputationSettings settings;
  AccountState state;
  for (int i = 0; i < 3; ++i) {
    recordActivity(state, directMessage("kid-" + std::to_string(i), true, kStart), kStart,
                   settings);
  }
  recordActivity(state, directMessage("kid-0", true, kStart + 2 * kHour), kStart + 2 * kHour,
                 settings);
  recordActivity(state, directMessage("adult", false, kStart + 2 * kHour), kStart + 2 * kHour,
                 settings);
  const auto now = snapshotOf(state, kStart + 2 * kHour, settings);
  CHECK(now.posts_last_hour == 2);
  CHECK(now.posts_last_day == 5);
  CHECK(now.messages_to_minors_last_hour == 1);
  CHECK(now.messages_to_minors_last_day == 4);
  CHECK(now.distinct_recipients_last_hour == 2);  // kid-0 again and adult
  CHECK(now.distinct_recipients_last_day == 4);
  CHECK(state.totals == AccountTotals{5, 5, 4, 0});
  // A day later the windows are empty and the totals stay.
  const auto later = snapshotOf(state, kStart + 27 * kHour, settings);
  CHECK(later.posts_last_day == 0);
  CHECK(later.distinct_recipients_last_day == 0);
}

TEST_CASE("strikes decay with the configured half-life and lower trust", "[reputation]") {
  ReputationSettings settings;
  settings.strike_half_life_ms = 10 * kDay;
  AccountState state;
  state.first_seen_ms = kStart - 400 * kDay;  // a mature account: base trust 1
  Signals signals;
  signals.text_risk = TextRiskSignal{};
  signals.text_risk->categories = {{"grooming", 0.9, 0.5, true}, {"fraud", 0.2, 0.5, false}};
  recordFindings(state, signals, kStart, settings);
  CHECK(decayed(state.strikes.at("grooming"), kStart + 10 * kDay, settings) == Approx(0.5));
  CHECK_FALSE(state.strikes.count("fraud"));
  const auto snap = snapshotOf(state, kStart, settings);
  CHECK(snap.trust == Approx(std::exp(-1.0 / settings.trust_scale)));
  CHECK(snapshotOf(state, kStart + 100 * kDay, settings).trust > 0.99);
  state.confirmed["grooming"] = 1;
  CHECK(snapshotOf(state, kStart, settings).trust ==
        Approx(std::exp(-(1.0 + settings.confirmed_weight) / settings.trust_scale)));
}

TEST_CASE("new accounts start at half trust and grow into it", "[reputation]") {
  const ReputationSettings settings;
  AccountState state;
  state.first_seen_ms = kStart;
  CHECK(snapshotOf(state, kStart, settings).trust == Approx(0.5));
  CHECK(snapshotOf(state, kStart + 45 * kDay, settings).trust == Approx(0.75));
  CHECK(snapshotOf(state, kStart + 900 * kDay, settings).trust == Approx(1.0));
}

TEST_CASE("state survives encoding exactly", "[reputation]") {
  const ReputationSettings settings;
  AccountState state;
  state.account_id = "acct-1";
  recordActivity(state, directMessage("kid", true, kStart), kStart, settings);
  state.last_offsets["posts"] = 41;
  state.strikes["threat_of_violence"] = {1.5, kStart};
  state.confirmed["grooming"] = 2;
  state.dismissed = 1;
  const auto decoded = decodeState(encodeState(state));
  REQUIRE(decoded);
  CHECK(encodeState(*decoded) == encodeState(state));
  CHECK(decoded->totals == state.totals);
  CHECK_FALSE(decodeState("{\"schema_version\": 2}"));
  CHECK_FALSE(decodeState("not json"));
}

TEST_CASE("the encoding is stable and escapes what JSON needs escaped", "[reputation]") {
  AccountState state;
  state.account_id = "acct-7";
  state.first_seen_ms = 1000;
  state.last_seen_ms = 2000;
  state.last_offsets["posts"] = 41;
  state.strikes["harassment"] = {1.5, 1500};
  state.totals.posts = 3;
  // The changelog's format: records written by earlier builds must keep decoding the same way.
  CHECK(encodeState(state) ==
        R"({"schema_version":1,"account_id":"acct-7","first_seen_ms":1000,"last_seen_ms":2000,)"
        R"("last_offsets":{"posts":41},"strikes":{"harassment":{"value":1.5,"at_ms":1500}},)"
        R"("confirmed":{},"dismissed":0,"totals":{"posts":3,"direct_messages":0,)"
        R"("messages_to_minors":0,"media":0},"hours":[],"recipients":[]})");

  state.account_id = "acct \"quoted\" back\\slash\ttab na\u00efve";
  state.last_offsets["topic\"x"] = 7;
  const std::string encoded = encodeState(state);
  const auto parsed = nlohmann::json::parse(encoded);
  CHECK(parsed["account_id"] == state.account_id);
  CHECK(parsed["last_offsets"]["topic\"x"] == 7);
  const auto decoded = decodeState(encoded);
  REQUIRE(decoded);
  CHECK(decoded->account_id == state.account_id);
  CHECK(decoded->last_offsets == state.last_offsets);
}

TEST_CASE("idle accounts expire after the configured days", "[reputation]") {
  ReputationSettings settings;
  settings.expire_after_days = 30;
  AccountState state;
  state.last_seen_ms = kStart;
  CHECK_FALSE(idleTooLong(state, kStart + 29 * kDay, settings));
  CHECK(idleTooLong(state, kStart + 31 * kDay, settings));
  settings.expire_after_days = 0;
  CHECK_FALSE(idleTooLong(state, kStart + 3000 * kDay, settings));
}
