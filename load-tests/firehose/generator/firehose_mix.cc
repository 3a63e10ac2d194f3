#include "load-tests/firehose/generator/firehose_mix.h"

#include <zlib.h>

#include <array>
#include <nlohmann/json.hpp>
#include <random>

namespace modstream::firehose {
namespace {

struct Template {
  const char* text;  // '*' marks the word an obfuscated copy disguises
  enum Audience { kPublic, kAdultDm, kMinorDm } audience;
};

// Phrases the lexicons flag well above their thresholds, plain and disguised (checked by the
// load-test smoke run: a missed one shows up as a lost escalation).
constexpr std::array<Template, 8> kViolating = {{
    {"I will *kill you if you show up at school tomorrow", Template::kPublic},
    {"I'm going to *kill you and nobody will find the body", Template::kPublic},
    {"you're *dead when I catch you after practice", Template::kPublic},
    {"I have your *nudes. pay me or everyone will see them", Template::kAdultDm},
    {"send $500 in gift cards or i'll send your *pics to everyone", Template::kAdultDm},
    {"this is our little *secret ok? don't tell your parents", Template::kMinorDm},
    {"are you home *alone right now?", Template::kMinorDm},
    {"*delete our messages after you read them ok", Template::kMinorDm},
}};

constexpr std::array<const char*, 48> kBenignWords = {
    "sunset",  "beach",   "coffee",   "garden",  "bread",  "library", "music",   "bikes",
    "market",  "tomato",  "weekend",  "photos",  "rain",   "weather", "concert", "recipe",
    "soup",    "train",   "holiday",  "puppy",   "kitten", "match",   "museum",  "painting",
    "lovely",  "morning", "tonight",  "friends", "family", "walk",    "river",   "mountain",
    "cookies", "pasta",   "festival", "garden",  "guitar", "chess",   "bakery",  "sunrise",
    "picnic",  "lake",    "snow",     "spring",  "book",   "movie",   "lunch",   "dinner"};

constexpr std::array<const char*, 4> kMinorDmTexts = {
    "did you finish the math homework for tomorrow", "practice moved to four, bring your shin pads",
    "the class trip form is due friday", "happy birthday, see you at the party"};

// splitmix64: decorrelates (seed, sequence) into one well-mixed random seed.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

double unit(uint64_t& state) {
  state = mix(state);
  return static_cast<double>(state >> 11) * 0x1.0p-53;
}

std::string disguise(const std::string& word, int how) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    switch (how) {
      case 0:  // leetspeak
        out += c == 'i' ? '1' : c == 'e' ? '3' : c == 'o' ? '0' : c == 'a' ? '@' : c;
        break;
      case 1:  // spaced letters
        out += c;
        if (i + 1 < word.size() && std::isalpha(static_cast<unsigned char>(word[i + 1])))
          out += ' ';
        break;
      default:  // zero-width spaces between letters
        out += c;
        if (i + 1 < word.size()) out += "\u200b";
    }
  }
  return out;
}

// The template with its marked word disguised (how >= 0) or plain (how < 0).
std::string render(const char* text, int how) {
  std::string out;
  for (const char* p = text; *p; ++p) {
    if (*p != '*') {
      out += *p;
      continue;
    }
    std::string word;
    while (p[1] && std::isalpha(static_cast<unsigned char>(p[1]))) word += *++p;
    out += how < 0 ? word : disguise(word, how);
  }
  return out;
}

std::string benignWords(uint64_t& state, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    if (i) text += ' ';
    text += kBenignWords[static_cast<size_t>(unit(state) * kBenignWords.size())];
  }
  return text;
}

void appendBigEndian32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

// `image` as a file of its own: the same pixels with a note naming `id` in its metadata, so its
// SHA-256 is new while decoding and PDQ see the pool image. JPEG: a comment segment after the
// start-of-image marker. PNG: a tEXt chunk after the header chunk (with its CRC).
std::string distinctFile(const PoolImage& image, const std::string& id) {
  const std::string note = "modstream firehose " + id;
  const std::string& bytes = image.bytes;
  if (image.content_type == "image/png") {
    constexpr size_t kAfterHeader = 8 + 25;  // the signature, then IHDR (length, type, 13, CRC)
    std::string chunk = "tEXt";
    chunk += "Comment";
    chunk += '\0';
    chunk += note;
    std::string out = bytes.substr(0, kAfterHeader);
    appendBigEndian32(out, static_cast<uint32_t>(chunk.size() - 4));
    out += chunk;
    appendBigEndian32(out,
                      static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(chunk.data()),
                                                  static_cast<uInt>(chunk.size()))));
    return out + bytes.substr(kAfterHeader);
  }
  std::string out = bytes.substr(0, 2);  // SOI
  out += "\xff\xfe";
  out += static_cast<char>(((note.size() + 2) >> 8) & 0xff);
  out += static_cast<char>((note.size() + 2) & 0xff);
  out += note;
  return out + bytes.substr(2);
}

}  // namespace

std::string expectedName(Expected expected) {
  switch (expected) {
    case Expected::kTakedown:
      return "takedown";
    case Expected::kEscalation:
      return "escalation";
    case Expected::kDeadLetter:
      return "dead_letter";
    case Expected::kNothing:
      break;
  }
  return "nothing";
}

FirehoseMix::FirehoseMix(const MixSpec& spec, uint64_t seed, std::string run_id,
                         const ImagePool& images)
    : spec_(spec),
      seed_(seed),
      run_id_(std::move(run_id)),
      accounts_(spec.account_namespace.empty() ? run_id_ : spec.account_namespace),
      images_(images) {}

FirehoseItem FirehoseMix::make(uint64_t sequence, int64_t created_at_ms) const {
  uint64_t state = mix(seed_ ^ mix(sequence));
  const double draw = unit(state);
  FirehoseItem item = draw < spec_.malformed_share ? makeMalformed(sequence, state, created_at_ms)
                      : unit(state) < spec_.media_share ? makeMedia(sequence, state)
                                                        : makePost(sequence, state, created_at_ms);
  item.headers.push_back({"firehose-id", run_id_ + "-" + std::to_string(sequence)});
  return item;
}

FirehoseItem FirehoseMix::makePost(uint64_t sequence, uint64_t state, int64_t created_at_ms) const {
  // The last 5% of accounts send the DMs; media and public posts come from the others.
  const int dm_accounts = std::max(1, spec_.accounts / 20);
  const int public_accounts = std::max(1, spec_.accounts - dm_accounts);
  FirehoseItem item;
  const std::string post_id = run_id_ + "-post-" + std::to_string(sequence);
  nlohmann::json post = {
      {"schema_version", 1}, {"post_id", post_id}, {"created_at_ms", created_at_ms}};
  nlohmann::json context = nullptr;
  std::string text;
  Template::Audience audience = Template::kPublic;
  if (unit(state) < spec_.violating_share) {
    const Template& chosen = kViolating[static_cast<size_t>(unit(state) * kViolating.size())];
    const int how = unit(state) < spec_.obfuscated_share ? static_cast<int>(unit(state) * 3) : -1;
    text = render(chosen.text, how) + " " + benignWords(state, 3);
    audience = chosen.audience;
    item.expected = Expected::kEscalation;
    item.output_id = post_id;
  } else if (unit(state) < spec_.dm_to_minor_share) {
    text = kMinorDmTexts[static_cast<size_t>(unit(state) * kMinorDmTexts.size())];
    audience = Template::kMinorDm;
  } else {
    text = benignWords(state, 4 + static_cast<int>(unit(state) * 24));
  }
  const int account_number = audience == Template::kPublic
                                 ? static_cast<int>(unit(state) * public_accounts)
                                 : public_accounts + static_cast<int>(unit(state) * dm_accounts);
  item.key = accounts_ + "-acct-" + std::to_string(account_number);
  if (audience != Template::kPublic) {
    context = {{"kind", "direct_message"},
               {"recipient_account_id",
                accounts_ + "-recipient-" + std::to_string(static_cast<int>(unit(state) * 5000))},
               {"recipient_is_minor", audience == Template::kMinorDm},
               {"account_age_days", 30 + static_cast<int>(unit(state) * 1000)}};
  }
  post["account_id"] = item.key;
  post["text"] = text;
  post["context"] = context;
  item.value = post.dump();
  return item;
}

FirehoseItem FirehoseMix::makeMedia(uint64_t sequence, uint64_t state) const {
  const int public_accounts = std::max(1, spec_.accounts - std::max(1, spec_.accounts / 20));
  FirehoseItem item;
  item.is_media = true;
  const std::string media_id = run_id_ + "-media-" + std::to_string(sequence);
  const double kind = unit(state);
  const PoolImage* image = nullptr;
  const auto pick = [&](const std::vector<PoolImage>& from) {
    return &from[static_cast<size_t>(unit(state) * from.size())];
  };
  if (kind < spec_.banked_media_share && !images_.banked().empty()) {
    image = pick(images_.banked());
  } else if (kind < spec_.banked_media_share + spec_.near_duplicate_share &&
             !images_.nearDuplicates().empty()) {
    image = pick(images_.nearDuplicates());
  } else {
    image = pick(images_.benign());
  }
  if (!image->bank_entry.empty()) {
    item.expected = Expected::kTakedown;
    item.output_id = media_id;
  }
  item.key = accounts_ + "-acct-" + std::to_string(static_cast<int>(unit(state) * public_accounts));
  item.value = unit(state) < spec_.repost_share ? image->bytes : distinctFile(*image, media_id);
  item.headers = {
      {"media_id", media_id}, {"account_id", item.key}, {"content_type", image->content_type}};
  return item;
}

FirehoseItem FirehoseMix::makeMalformed(uint64_t sequence, uint64_t state,
                                        int64_t created_at_ms) const {
  FirehoseItem item;
  item.expected = Expected::kDeadLetter;
  item.output_id = run_id_ + "-" + std::to_string(sequence);
  item.key = accounts_ + "-acct-" + std::to_string(static_cast<int>(unit(state) * spec_.accounts));
  const std::string post_id = run_id_ + "-post-" + std::to_string(sequence);
  switch (static_cast<int>(unit(state) * 3)) {
    case 0:  // truncated JSON
      item.value = R"({"schema_version":1,"post_id":")" + post_id + R"(","text":"lovely sun)";
      break;
    case 1:  // well-formed, but without the account it belongs to
      item.value = nlohmann::json{{"schema_version", 1},
                                  {"post_id", post_id},
                                  {"created_at_ms", created_at_ms},
                                  {"text", "no account id here"}}
                       .dump();
      break;
    default:  // media without its media_id header
      item.is_media = true;
      item.value = images_.benign().front().bytes;
      item.headers = {{"account_id", item.key}, {"content_type", "image/jpeg"}};
  }
  return item;
}

}  // namespace modstream::firehose
