#pragma once
// BertTokenizer: the WordPiece tokenizer of BERT-family sentence-embedding models
// (all-MiniLM-L6-v2), read from the model's tokenizer.json and giving the token ids the Hugging
// Face `tokenizers` library gives (checked by tests/text_risk/tokenizer_compat.py on the corpus and
// fuzzed text):
//   1. the special tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) written in the text are found first
//      and kept as they are;
//   2. the text between them is normalised as BertNormalizer does: control characters removed,
//      whitespace made a space, CJK ideographs spaced apart, accents stripped (NFD, nonspacing
//      marks dropped) and lower-cased, code point by code point;
//   3. split on whitespace and around every punctuation character (BertPreTokenizer);
//   4. each word split into the longest vocabulary pieces from its start ("##" continuing), or
//      [UNK] when it has no such split or is longer than max_input_chars_per_word;
//   5. [CLS] ... [SEP], the pieces cut to max_length - 2.
//
// Thread-safety: immutable after construction; encode() may be called from any thread.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace modstream {

class BertTokenizer {
 public:
  // Reads `tokenizer_json`; throws std::runtime_error naming the file and the field that is
  // missing or not what this tokenizer implements (another model type, normaliser or options).
  BertTokenizer(const std::filesystem::path& tokenizer_json, size_t max_length);

  // Token ids of `text` (UTF-8; invalid bytes count as U+FFFD and are removed like it).
  std::vector<int32_t> encode(std::string_view text) const;
  // encode() without the ASCII fast path, so tests can prove the two agree.
  std::vector<int32_t> encodeGeneral(std::string_view text) const;
  size_t vocabularySize() const { return vocabulary_.size(); }
  // Whether `word` (normalised: lower case, no accents) is a whole word of the vocabulary.
  bool isWord(std::string_view word) const { return vocabulary_.find(word) != vocabulary_.end(); }
  size_t maxLength() const { return max_length_; }

 private:
  // Looks pieces up by string_view, so matching a word builds no strings.
  struct PieceHash {
    using is_transparent = void;
    size_t operator()(std::string_view piece) const { return std::hash<std::string_view>{}(piece); }
  };

  std::vector<int32_t> encode(std::string_view text, bool ascii_path) const;
  // Appends the word pieces of `segment` (text between special tokens): normalised and split
  // into words, by the ASCII path when allowed and every byte is ASCII (most posts), else
  // through ICU.
  void encodeSegment(std::string_view segment, bool ascii_path, std::vector<int32_t>& ids) const;
  void encodeAsciiSegment(std::string_view segment, std::vector<int32_t>& ids) const;
  void encodeGeneralSegment(std::string_view segment, std::vector<int32_t>& ids) const;
  // Appends the pieces of one normalised word (UTF-8, `characters` code points long).
  void encodeWord(std::string_view word, size_t characters, std::vector<int32_t>& ids) const;

  std::unordered_map<std::string, int32_t, PieceHash, std::equal_to<>> vocabulary_;
  std::vector<std::pair<std::string, int32_t>> special_tokens_;  // matched in raw text
  std::string continuing_prefix_;
  size_t max_input_chars_per_word_ = 100;
  size_t max_length_;
  int32_t cls_ = 0, sep_ = 0, unk_ = 0;
};

}  // namespace modstream
