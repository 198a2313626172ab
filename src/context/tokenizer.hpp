// A tiktoken-compatible byte-pair encoder for OpenAI's `cl100k_base` and
// `o200k_base`: the same split pattern, ranks and special tokens, so the same
// token ids as the npm `tiktoken` package for the same text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace aisbf::context {

enum class Encoding { cl100k_base, o200k_base };

std::string_view encoding_name(Encoding encoding);
std::optional<Encoding> encoding_from_name(std::string_view name);

using TokenId = std::uint32_t;

// How text that spells a special token (`<|endoftext|>`…) is encoded:
// as_text is tiktoken's `encode_ordinary` (what counting client text wants),
// recognised is `encode(text, allowed_special="all")`.
enum class Specials { as_text, recognised };

class Tokenizer {
 public:
  // From the text of the encoding's `.tiktoken` rank file.
  static Expected<std::unique_ptr<Tokenizer>> from_rank_file(Encoding encoding, std::string_view file_text);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Invalid UTF-8 is first replaced by U+FFFD (utf8_repair.hpp). Thread-safe.
  std::vector<TokenId> encode(std::string_view text, Specials specials = Specials::as_text) const;
  std::size_t count(std::string_view text, Specials specials = Specials::as_text) const;
  // The length of the longest prefix of `text` of at most `max_tokens`
  // tokens, cut where a piece of the split pattern ends, or between two of
  // a long piece's tokens (possibly inside a UTF-8 sequence: callers snap
  // it back). Its tokens are those of the text up to there; the prefix on
  // its own encodes the same but for rare look-ahead effects at its end,
  // so callers that must fit check the cut. Reads the text only that far.
  // nullopt when `text` is not valid UTF-8 (the offsets would not map back).
  std::optional<std::size_t> prefix_within(std::string_view text, std::size_t max_tokens) const;
  // The bytes of the tokens, concatenated (unknown ids are skipped).
  std::string decode(const std::vector<TokenId>& tokens) const;
  Encoding encoding() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process's tokenizer for an encoding: read from tokenizer_data_dir() and
// checked against its recorded sha256 on first use, then kept (thread-safe).
// A missing or altered file is an error naming the path, every time asked.
Expected<const Tokenizer*> tokenizer_for(Encoding encoding);

// Reads `<dir>/<encoding>.tiktoken`, checks its sha256 and builds the
// tokenizer (what tokenizer_for does once); an error names the path.
Expected<std::unique_ptr<Tokenizer>> load_tokenizer(Encoding encoding, const std::string& dir);

// $AISBF_TOKENIZER_DIR when set, else the `tokenizer/` folder beside the
// running executable (where the build and the install put the rank files).
std::string tokenizer_data_dir();

}  // namespace aisbf::context
