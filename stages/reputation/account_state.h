#pragma once
// The reputation of one account: what it did (velocity counters in hourly buckets, lifetime
// totals, recent distinct recipients), what was found (strikes per category that decay with a
// half-life), and what moderators decided. Stored as JSON in RocksDB and in the changelog topic;
// updated by the account's partition's worker only. Times are event times (a post's created_at_ms,
// a record's timestamp), so replaying the same records gives the same state.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/core/stage.h"

namespace modstream {

struct ReputationSettings {
  int64_t strike_half_life_ms = 30ll * 24 * 3600 * 1000;  // a strike counts half after this
  double confirmed_weight = 3.0;     // a moderator-confirmed violation counts as this many strikes
  double dismissed_credit = 0.5;     // a dismissed escalation takes back this much strike load
  double trust_scale = 2.0;          // strike load at which trust falls to 1/e of its base
  int64_t trust_maturity_days = 90;  // account age at which the base trust reaches 1
  int64_t expire_after_days = 180;   // accounts idle this long are dropped (0: never)
  size_t max_recipients = 256;       // distinct recipients remembered for the last day
};

struct Strike {
  double value = 0;  // decayed as of `at_ms`
  int64_t at_ms = 0;
};

struct HourBucket {
  int64_t hour = -1;  // hours since the epoch; -1: empty
  int64_t posts = 0;
  int64_t direct_messages = 0;
  int64_t messages_to_minors = 0;
};

struct AccountTotals {
  int64_t posts = 0;
  int64_t direct_messages = 0;
  int64_t messages_to_minors = 0;
  int64_t media = 0;
  bool operator==(const AccountTotals&) const = default;
};

struct AccountState {
  std::string account_id;
  int64_t first_seen_ms = 0;  // or the creation time the platform reported, if earlier
  int64_t last_seen_ms = 0;
  // Per input topic, the offset of the last record applied: a replayed record is never counted
  // twice (records of an account arrive in order on one partition).
  std::map<std::string, int64_t> last_offsets;
  std::map<std::string, Strike> strikes;     // automated findings by category
  std::map<std::string, int64_t> confirmed;  // moderator-confirmed violations by category
  int64_t dismissed = 0;                     // escalations moderators dismissed
  AccountTotals totals;
  std::array<HourBucket, 24> hours{};                    // ring indexed by hour % 24
  std::vector<std::pair<uint64_t, int64_t>> recipients;  // (recipient hash, last hour seen)
};

std::string encodeState(const AccountState& state);
// nullopt when `json` is not a state this version can read.
std::optional<AccountState> decodeState(std::string_view json);

// Applies the record's activity: totals, hourly counters, recipients, first/last seen; for a
// moderator decision, a confirmed violation or a dismissed escalation.
void recordActivity(AccountState& state, const Content& content, int64_t now_ms,
                    const ReputationSettings& settings);
// Adds a strike per flagged text category and per known-content match.
void recordFindings(AccountState& state, const Signals& signals, int64_t now_ms,
                    const ReputationSettings& settings);

// The strike value of `strike` at `now_ms`.
double decayed(const Strike& strike, int64_t now_ms, const ReputationSettings& settings);

// trust = base * exp(-load / trust_scale), where base = 0.5 + 0.5 * min(age_days, maturity) /
// maturity, and load = sum of decayed strikes + confirmed_weight * confirmed violations -
// dismissed_credit * dismissed escalations (never below 0).
ReputationSnapshot snapshotOf(const AccountState& state, int64_t now_ms,
                              const ReputationSettings& settings);

bool idleTooLong(const AccountState& state, int64_t now_ms, const ReputationSettings& settings);

}  // namespace modstream
