#pragma once
// The firehose's content: record number n of a run is a pure function of (spec, seed, n), so two
// runs with the same flags send the same records, and each record says what the pipeline must
// publish for it under the default policy (config/policy/policy.yaml):
//   - a violating post (threat; sextortion in a DM; grooming in a DM to a minor; a third of them
//     obfuscated: leetspeak, spaced letters or zero-width characters) -> one escalation;
//   - media that is a banked image or a near-duplicate of one -> one takedown;
//   - a malformed record (broken JSON, a post without account_id, media without its media_id
//     header) -> one dead letter;
//   - everything else (benign posts, DMs to minors about homework, benign images) -> nothing.
// Accounts that message minors never upload media, so the policy's risky-account rule stays out.

#include <cstdint>
#include <string>
#include <vector>

#include "load-tests/firehose/generator/image_pool.h"
#include "pipeline/core/record.h"

namespace modstream::firehose {

struct MixSpec {
  double media_share = 0.0;            // of all records: media (the rest are posts)
  double malformed_share = 0.01;       // of all records
  double violating_share = 0.05;       // of posts
  double obfuscated_share = 0.33;      // of violating posts
  double dm_to_minor_share = 0.05;     // of benign posts: harmless DMs to minors
  double banked_media_share = 0.04;    // of media: exact copies of banked images
  double near_duplicate_share = 0.04;  // of media: altered copies
  // Of media: files posted before, byte for byte. The rest are made distinct files (a JPEG comment
  // or a PNG text chunk naming the record, so the pixels and the PDQ stay those of the pool image
  // and the work of decoding them stays real). 30%: reposts of one file are common on real
  // platforms, and most of what is posted is new.
  double repost_share = 0.3;
  int accounts = 20000;
  // Account (and recipient) ids are "<account_namespace>-acct-N"; empty: the run id. The harness
  // gives every phase of a scenario one namespace, so a live phase's posts come from accounts the
  // pipeline has seen before, as on a platform, rather than from 20,000 new ones in its first
  // second.
  std::string account_namespace;
};

enum class Expected { kNothing, kTakedown, kEscalation, kDeadLetter };
std::string expectedName(Expected expected);

struct FirehoseItem {
  bool is_media = false;
  std::string key;
  std::string value;
  std::vector<Header> headers;  // every record carries firehose-id
  Expected expected = Expected::kNothing;
  // How the auditor finds the output: the media id (takedowns), the post id (escalations) or the
  // firehose-id header (dead letters, which copy the input's headers).
  std::string output_id;
};

class FirehoseMix {
 public:
  FirehoseMix(const MixSpec& spec, uint64_t seed, std::string run_id, const ImagePool& images);
  // `created_at_ms` goes into posts' created_at_ms (the generator passes the send time).
  FirehoseItem make(uint64_t sequence, int64_t created_at_ms) const;

 private:
  FirehoseItem makePost(uint64_t sequence, uint64_t random, int64_t created_at_ms) const;
  FirehoseItem makeMedia(uint64_t sequence, uint64_t random) const;
  FirehoseItem makeMalformed(uint64_t sequence, uint64_t random, int64_t created_at_ms) const;

  MixSpec spec_;
  uint64_t seed_;
  std::string run_id_;
  std::string accounts_;  // the account id prefix
  const ImagePool& images_;
};

}  // namespace modstream::firehose
