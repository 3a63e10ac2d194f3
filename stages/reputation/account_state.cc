#include "stages/reputation/account_state.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "pipeline/core/digest.h"

namespace modstream {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

HourBucket& bucketFor(AccountState& state, int64_t hour) {
  HourBucket& bucket = state.hours[static_cast<size_t>(hour % 24)];
  if (bucket.hour != hour) bucket = HourBucket{hour, 0, 0, 0};
  return bucket;
}

void addStrike(AccountState& state, const std::string& category, int64_t now_ms,
               const ReputationSettings& settings) {
  Strike& strike = state.strikes[category];
  strike.value = decayed(strike, now_ms, settings) + 1.0;
  strike.at_ms = std::max(strike.at_ms, now_ms);
}

}  // namespace

std::string encodeState(const AccountState& s) {
  nlohmann::json strikes = nlohmann::json::object();
  for (const auto& [category, strike] : s.strikes) {
    strikes[category] = {{"value", strike.value}, {"at_ms", strike.at_ms}};
  }
  nlohmann::json hours = nlohmann::json::array();
  for (const auto& h : s.hours) {
    if (h.hour < 0) continue;
    hours.push_back({h.hour, h.posts, h.direct_messages, h.messages_to_minors});
  }
  nlohmann::json recipients = nlohmann::json::array();
  for (const auto& [hash, hour] : s.recipients) recipients.push_back({hash, hour});
  return nlohmann::json{{"schema_version", 1},
                        {"account_id", s.account_id},
                        {"first_seen_ms", s.first_seen_ms},
                        {"last_seen_ms", s.last_seen_ms},
                        {"last_offsets", s.last_offsets},
                        {"strikes", strikes},
                        {"confirmed", s.confirmed},
                        {"dismissed", s.dismissed},
                        {"totals",
                         {{"posts", s.totals.posts},
                          {"direct_messages", s.totals.direct_messages},
                          {"messages_to_minors", s.totals.messages_to_minors},
                          {"media", s.totals.media}}},
                        {"hours", hours},
                        {"recipients", recipients}}
      .dump();
}

std::optional<AccountState> decodeState(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("schema_version", 0) != 1) return std::nullopt;
  try {
    AccountState s;
    s.account_id = j.at("account_id").get<std::string>();
    s.first_seen_ms = j.at("first_seen_ms").get<int64_t>();
    s.last_seen_ms = j.at("last_seen_ms").get<int64_t>();
    s.last_offsets = j.at("last_offsets").get<std::map<std::string, int64_t>>();
    for (const auto& [category, strike] : j.at("strikes").items()) {
      s.strikes[category] = {strike.at("value").get<double>(), strike.at("at_ms").get<int64_t>()};
    }
    s.confirmed = j.at("confirmed").get<std::map<std::string, int64_t>>();
    s.dismissed = j.at("dismissed").get<int64_t>();
    const auto& t = j.at("totals");
    s.totals = {t.at("posts").get<int64_t>(), t.at("direct_messages").get<int64_t>(),
                t.at("messages_to_minors").get<int64_t>(), t.at("media").get<int64_t>()};
    for (const auto& h : j.at("hours")) {
      const int64_t hour = h.at(0).get<int64_t>();
      if (hour < 0) continue;
      s.hours[static_cast<size_t>(hour % 24)] = {hour, h.at(1).get<int64_t>(),
                                                 h.at(2).get<int64_t>(), h.at(3).get<int64_t>()};
    }
    for (const auto& r : j.at("recipients")) {
      s.recipients.emplace_back(r.at(0).get<uint64_t>(), r.at(1).get<int64_t>());
    }
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

double decayed(const Strike& strike, int64_t now_ms, const ReputationSettings& settings) {
  if (strike.value == 0) return 0;
  const double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - strike.at_ms));
  return strike.value * std::exp2(-elapsed / static_cast<double>(settings.strike_half_life_ms));
}

void recordActivity(AccountState& state, const Content& content, int64_t now_ms,
                    const ReputationSettings& settings) {
  if (state.first_seen_ms == 0 || now_ms < state.first_seen_ms) state.first_seen_ms = now_ms;
  state.last_seen_ms = std::max(state.last_seen_ms, now_ms);
  const int64_t hour = now_ms / kHourMs;
  if (const auto* media = std::get_if<MediaRecord>(&content)) {
    (void)media;
    ++state.totals.media;
    return;
  }
  const auto* post = std::get_if<Post>(&content);
  if (!post) return;
  if (post->context.account_age_days) {
    const int64_t created = now_ms - *post->context.account_age_days * kDayMs;
    if (created > 0 && created < state.first_seen_ms) state.first_seen_ms = created;
  }
  HourBucket& bucket = bucketFor(state, hour);
  ++state.totals.posts;
  ++bucket.posts;
  if (post->context.kind != PostKind::kDirectMessage) return;
  ++state.totals.direct_messages;
  ++bucket.direct_messages;
  if (post->context.recipient_is_minor) {
    ++state.totals.messages_to_minors;
    ++bucket.messages_to_minors;
  }
  if (post->context.recipient_account_id) {
    // A stable digest, not the id: the state keeps who was messaged only as far as it must.
    const uint64_t hash = std::stoull(
        hexDigest(DigestType::kSha256, post->context.recipient_account_id->str()).substr(0, 16),
        nullptr, 16);
    auto& recipients = state.recipients;
    std::erase_if(recipients, [&](const auto& r) { return r.second <= hour - 24; });
    auto it = std::find_if(recipients.begin(), recipients.end(),
                           [&](const auto& r) { return r.first == hash; });
    if (it != recipients.end()) {
      it->second = std::max(it->second, hour);
    } else if (recipients.size() < settings.max_recipients) {
      recipients.emplace_back(hash, hour);
    }
  }
}

void recordFindings(AccountState& state, const Signals& signals, int64_t now_ms,
                    const ReputationSettings& settings) {
  if (!signals.bank_matches.empty()) addStrike(state, "known_content", now_ms, settings);
  if (!signals.text_risk) return;
  for (const auto& category : signals.text_risk->categories) {
    if (category.flagged) addStrike(state, category.category, now_ms, settings);
  }
}

ReputationSnapshot snapshotOf(const AccountState& state, int64_t now_ms,
                              const ReputationSettings& settings) {
  ReputationSnapshot snap;
  const int64_t hour = now_ms / kHourMs;
  snap.account_age_days = std::max<int64_t>(0, (now_ms - state.first_seen_ms) / kDayMs);
  double load = 0;
  for (const auto& [category, strike] : state.strikes) {
    const double value = decayed(strike, now_ms, settings);
    snap.strikes[category] = value;
    load += value;
  }
  for (const auto& [category, count] : state.confirmed) snap.confirmed_violations += count;
  snap.dismissed_escalations = state.dismissed;
  load += settings.confirmed_weight * static_cast<double>(snap.confirmed_violations) -
          settings.dismissed_credit * static_cast<double>(snap.dismissed_escalations);
  const double maturity = static_cast<double>(std::max<int64_t>(1, settings.trust_maturity_days));
  const double base =
      0.5 + 0.5 * std::min(static_cast<double>(snap.account_age_days), maturity) / maturity;
  snap.trust = base * std::exp(-std::max(0.0, load) / settings.trust_scale);
  for (const auto& bucket : state.hours) {
    if (bucket.hour < 0 || bucket.hour > hour || bucket.hour <= hour - 24) continue;
    snap.posts_last_day += bucket.posts;
    snap.direct_messages_last_day += bucket.direct_messages;
    snap.messages_to_minors_last_day += bucket.messages_to_minors;
    if (bucket.hour == hour) {
      snap.posts_last_hour += bucket.posts;
      snap.messages_to_minors_last_hour += bucket.messages_to_minors;
    }
  }
  for (const auto& [hash, seen] : state.recipients) {
    if (seen > hour - 24 && seen <= hour) ++snap.distinct_recipients_last_day;
    if (seen == hour) ++snap.distinct_recipients_last_hour;
  }
  return snap;
}

bool idleTooLong(const AccountState& state, int64_t now_ms, const ReputationSettings& settings) {
  return settings.expire_after_days > 0 &&
         now_ms - state.last_seen_ms > settings.expire_after_days * kDayMs;
}

}  // namespace modstream
