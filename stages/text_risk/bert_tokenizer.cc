#include "stages/text_risk/bert_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace modstream {
namespace {

// What the Hugging Face tokenizers library (Rust) calls whitespace, control and punctuation; the
// normaliser and pre-tokeniser must agree with it code point for code point.
bool isWhitespace(UChar32 c) {
  return c == '\t' || c == '\n' || c == '\r' || u_hasBinaryProperty(c, UCHAR_WHITE_SPACE);
}

bool isControl(UChar32 c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool isChineseChar(UChar32 c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool isPunctuation(UChar32 c) {
  const bool ascii = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                     (c >= 123 && c <= 126);
  return ascii || u_ispunct(c);
}

// BertNormalizer with clean_text, handle_chinese_chars, strip_accents and lowercase.
std::u32string normalize(std::string_view text) {
  icu::UnicodeString cleaned;
  int32_t i = 0;
  const auto length = static_cast<int32_t>(text.size());
  while (i < length) {
    UChar32 c;
    U8_NEXT(text.data(), i, length, c);
    if (c < 0) c = 0xFFFD;  // invalid UTF-8
    if (c == 0 || c == 0xFFFD || isControl(c)) continue;
    if (isWhitespace(c)) c = ' ';
    if (isChineseChar(c)) {
      cleaned.append(UChar32{' '}).append(c).append(UChar32{' '});
    } else {
      cleaned.append(c);
    }
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU has no NFD normaliser");
  const icu::UnicodeString decomposed = nfd->normalize(cleaned, status);
  if (U_FAILURE(status)) throw std::runtime_error("NFD normalisation failed");
  std::u32string out;
  out.reserve(static_cast<size_t>(decomposed.length()));
  for (int32_t k = 0; k < decomposed.length();) {
    const UChar32 c = decomposed.char32At(k);
    k += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    // Per code point, as Rust's char::to_lowercase; its one multi-character mapping (U+0130) was
    // decomposed by NFD above.
    out.push_back(static_cast<char32_t>(u_tolower(c)));
  }
  return out;
}

std::string utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    char buffer[4];
    int32_t n = 0;
    // Every code point here came from valid UTF-8 or ICU, so it always fits in four bytes.
    U8_APPEND_UNSAFE(buffer, n, static_cast<UChar32>(c));
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// BertNormalizer and BertPreTokenizer on one ASCII byte: what ICU says of the code point.
bool isAsciiControl(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}
bool isAsciiWhitespace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool isAsciiPunctuation(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

nlohmann::json readJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) throw std::runtime_error(path.string() + ": not a JSON object");
  return json;
}

}  // namespace

BertTokenizer::BertTokenizer(const std::filesystem::path& tokenizer_json, size_t max_length)
    : max_length_(max_length) {
  const nlohmann::json json = readJson(tokenizer_json);
  auto fail = [&](const std::string& field, const std::string& what) {
    throw std::runtime_error(tokenizer_json.string() + ": " + field + ": " + what);
  };
  // `section`.`field` of the file must be `value`.
  auto expect = [&](const char* section, const std::string& field, const nlohmann::json& value) {
    const auto& node = json.value(section, nlohmann::json::object());
    const auto it = node.find(field);
    if (it == node.end() || *it != value) {
      fail(std::string(section) + "." + field, "expected " + value.dump());
    }
  };
  expect("model", "type", "WordPiece");
  expect("normalizer", "type", "BertNormalizer");
  expect("normalizer", "clean_text", true);
  expect("normalizer", "handle_chinese_chars", true);
  expect("normalizer", "lowercase", true);
  const auto& normalizer = json.value("normalizer", nlohmann::json::object());
  if (const auto it = normalizer.find("strip_accents"); it != normalizer.end() && *it == false) {
    fail("normalizer.strip_accents", "false is not supported");
  }
  expect("pre_tokenizer", "type", "BertPreTokenizer");
  if (max_length_ < 2) fail("max_length", "must leave room for [CLS] and [SEP]");

  const auto& model = json.value("model", nlohmann::json::object());
  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) fail("model.vocab", "missing");
  for (const auto& [piece, id] : vocab->items()) vocabulary_[piece] = id.get<int32_t>();
  continuing_prefix_ = model.value("continuing_subword_prefix", "##");
  max_input_chars_per_word_ = model.value("max_input_chars_per_word", size_t{100});
  for (const auto& token : json.value("added_tokens", nlohmann::json::array())) {
    if (token.value("special", false) && !token.value("normalized", true)) {
      special_tokens_.emplace_back(token.at("content").get<std::string>(),
                                   token.at("id").get<int32_t>());
    }
  }
  auto idOf = [&](const std::string& piece) {
    const auto it = vocabulary_.find(piece);
    if (it == vocabulary_.end()) fail("model.vocab", "has no " + piece);
    return it->second;
  };
  cls_ = idOf("[CLS]");
  sep_ = idOf("[SEP]");
  unk_ = idOf(model.value("unk_token", "[UNK]"));
}

std::vector<int32_t> BertTokenizer::encode(std::string_view text) const {
  return encode(text, /*ascii_path=*/true);
}

std::vector<int32_t> BertTokenizer::encodeGeneral(std::string_view text) const {
  return encode(text, /*ascii_path=*/false);
}

std::vector<int32_t> BertTokenizer::encode(std::string_view text, bool ascii_path) const {
  std::vector<int32_t> pieces;
  // Special tokens written in the text are taken whole, leftmost first (none is a prefix of
  // another), before any normalisation.
  size_t start = 0;
  while (start <= text.size()) {
    size_t found = std::string_view::npos;
    int32_t found_id = 0;
    size_t found_length = 0;
    for (const auto& [content, id] : special_tokens_) {
      const size_t at = text.find(content, start);
      if (at < found) {
        found = at;
        found_id = id;
        found_length = content.size();
      }
    }
    encodeSegment(text.substr(start, found == std::string_view::npos ? found : found - start),
                  ascii_path, pieces);
    if (found == std::string_view::npos) break;
    pieces.push_back(found_id);
    start = found + found_length;
  }
  if (pieces.size() > max_length_ - 2) pieces.resize(max_length_ - 2);
  std::vector<int32_t> ids;
  ids.reserve(pieces.size() + 2);
  ids.push_back(cls_);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  ids.push_back(sep_);
  return ids;
}

void BertTokenizer::encodeSegment(std::string_view segment, bool ascii_path,
                                  std::vector<int32_t>& ids) const {
  if (segment.empty()) return;
  const bool ascii = std::all_of(segment.begin(), segment.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii_path && ascii) {
    encodeAsciiSegment(segment, ids);
  } else {
    encodeGeneralSegment(segment, ids);
  }
}

// For ASCII, NFD and accent stripping change nothing and every code point is one byte, so the
// normaliser is a lower-casing copy that drops control bytes.
void BertTokenizer::encodeAsciiSegment(std::string_view segment, std::vector<int32_t>& ids) const {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) encodeWord(word, word.size(), ids);
    word.clear();
  };
  for (const char byte : segment) {
    const auto c = static_cast<unsigned char>(byte);
    if (c == 0 || isAsciiControl(c)) continue;
    if (isAsciiWhitespace(c)) {
      flush();
    } else if (isAsciiPunctuation(c)) {
      flush();
      word.push_back(byte);
      flush();
    } else {
      word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
  }
  flush();
}

void BertTokenizer::encodeGeneralSegment(std::string_view segment,
                                         std::vector<int32_t>& ids) const {
  const std::u32string text = normalize(segment);
  size_t word_begin = 0;
  auto flush = [&](size_t word_end) {
    if (word_end > word_begin) {
      const std::u32string_view word(text.data() + word_begin, word_end - word_begin);
      encodeWord(utf8(word), word.size(), ids);
    }
  };
  for (size_t k = 0; k < text.size(); ++k) {
    const auto code_point = static_cast<UChar32>(text[k]);
    if (isWhitespace(code_point)) {
      flush(k);
      word_begin = k + 1;
    } else if (isPunctuation(code_point)) {
      flush(k);
      word_begin = k;
      flush(k + 1);
      word_begin = k + 1;
    }
  }
  flush(text.size());
}

void BertTokenizer::encodeWord(std::string_view word, size_t characters,
                               std::vector<int32_t>& ids) const {
  if (characters > max_input_chars_per_word_) {
    ids.push_back(unk_);
    return;
  }
  const size_t first_piece = ids.size();
  std::string continuing;  // continuing_prefix_ + the candidate, for pieces after the first
  size_t begin = 0;
  while (begin < word.size()) {
    size_t end = word.size();
    int32_t piece_id = -1;
    while (begin < end) {
      std::string_view piece = word.substr(begin, end - begin);
      if (begin > 0) {
        continuing.assign(continuing_prefix_).append(piece);
        piece = continuing;
      }
      if (const auto it = vocabulary_.find(piece); it != vocabulary_.end()) {
        piece_id = it->second;
        break;
      }
      // One code point shorter: back over UTF-8 continuation bytes (10xxxxxx).
      do {
        --end;
      } while (end > begin && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (piece_id < 0) {
      ids.resize(first_piece);
      ids.push_back(unk_);  // no split into known pieces: the whole word is unknown
      return;
    }
    ids.push_back(piece_id);
    begin = end;
  }
}

}  // namespace modstream
