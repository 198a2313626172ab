#include "context/tokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "context/byte_pair.hpp"
#include "context/count_memo.hpp"
#include "context/rank_table.hpp"
#include "context/special_tokens.hpp"
#include "context/tokenizer_ascii_split.hpp"
#include "context/utf8_repair.hpp"

namespace aisbf::context {

std::string_view encoding_name(Encoding encoding) {
  return encoding == Encoding::cl100k_base ? "cl100k_base" : "o200k_base";
}

std::optional<Encoding> encoding_from_name(std::string_view name) {
  if (name == "cl100k_base") return Encoding::cl100k_base;
  if (name == "o200k_base") return Encoding::o200k_base;
  return std::nullopt;
}

struct Tokenizer::Impl {
  Encoding encoding = Encoding::cl100k_base;
  RankTable ranks;
  const EncodingSpec* spec = nullptr;
  pcre2_code* pattern = nullptr;
  bool jit = false;

  ~Impl() { pcre2_code_free(pattern); }

  // tiktoken's pre-tokenization of valid UTF-8: the pieces the split
  // pattern cuts, in order (by hand where ASCII decides the piece, else
  // PCRE2), each handed to `visit` until it returns false.
  template <class Visit>
  void for_each_piece(std::string_view text, pcre2_match_data* match, Visit&& visit) const {
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t at = 0;
    while (at < text.size()) {
      if (std::size_t end = ascii_piece_end(encoding, text, at); end != kAsciiUndecided) {
        if (!visit(text.substr(at, end - at))) return;
        at = end;
        continue;
      }
      int rc = jit ? pcre2_jit_match(pattern, subject, text.size(), at, 0, match, nullptr) : PCRE2_ERROR_JIT_STACKLIMIT;
      // The interpreter keeps its backtracking on the heap: it takes over
      // where JIT's fixed stack runs out (or JIT is not available).
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        rc = pcre2_match(pattern, subject, text.size(), at, PCRE2_NO_UTF_CHECK, match, nullptr);
      }
      if (rc < 0) break;  // the last alternative, \s+, leaves nothing unmatched but a bug would loop
      const PCRE2_SIZE* span = pcre2_get_ovector_pointer(match);
      if (span[1] <= span[0]) break;
      if (span[0] > at && !visit(text.substr(at, span[0] - at))) return;
      if (!visit(text.substr(span[0], span[1] - span[0]))) return;
      at = span[1];
    }
    if (at < text.size()) visit(text.substr(at));
  }

  // tiktoken's `encode_ordinary` on valid UTF-8: each piece byte-pair merged.
  void encode_ordinary(std::string_view text, pcre2_match_data* match, std::vector<TokenId>& out) const {
    for_each_piece(text, match, [&](std::string_view piece) {
      byte_pair_encode(piece, ranks, out);
      return true;
    });
  }

  // The first special token in `text` at or after `from`: its position and index.
  std::pair<std::size_t, std::size_t> next_special(std::string_view text, std::size_t from) const {
    std::pair<std::size_t, std::size_t> best{std::string_view::npos, 0};
    for (std::size_t i = 0; i < spec->specials.size(); ++i) {
      auto pos = text.find(spec->specials[i].first, from);
      if (pos < best.first) best = {pos, i};
    }
    return best;
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Expected<std::unique_ptr<Tokenizer>> Tokenizer::from_rank_file(Encoding encoding, std::string_view file_text) {
  std::string error;
  auto ranks = RankTable::parse(file_text, error);
  if (!ranks) return make_error(ErrorKind::internal, std::string(encoding_name(encoding)) + " ranks: " + error);
  auto impl = std::make_unique<Impl>();
  impl->encoding = encoding;
  impl->ranks = std::move(*ranks);
  impl->spec = &encoding_spec(encoding);
  int code = 0;
  PCRE2_SIZE offset = 0;
  impl->pattern = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(impl->spec->pattern.data()), impl->spec->pattern.size(),
                                PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
  if (impl->pattern == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof message);
    return make_error(ErrorKind::internal, "split pattern: " + std::string(reinterpret_cast<char*>(message)));
  }
  impl->jit = pcre2_jit_compile(impl->pattern, PCRE2_JIT_COMPLETE) == 0;
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, Specials specials) const {
  std::string scratch;
  text = repair_utf8(text, scratch);
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(impl_->pattern, nullptr), &pcre2_match_data_free);
  std::vector<TokenId> out;
  out.reserve(text.size() / 3);
  std::size_t at = 0;
  while (specials == Specials::recognised) {
    auto [pos, index] = impl_->next_special(text, at);
    if (pos == std::string_view::npos) break;
    impl_->encode_ordinary(text.substr(at, pos - at), match.get(), out);
    const auto& special = impl_->spec->specials[index];
    out.push_back(special.second);
    at = pos + special.first.size();
  }
  impl_->encode_ordinary(text.substr(at), match.get(), out);
  return out;
}

std::size_t Tokenizer::count(std::string_view text, Specials specials) const {
  if (specials != Specials::as_text) return encode(text, specials).size();
  CountMemo& memo = CountMemo::local();
  const Encoding enc = impl_->encoding;
  if (auto known = memo.find(enc, text)) return *known;
  // This thread's scratch: a count allocates nothing once warm.
  thread_local std::vector<TokenId> ids;
  thread_local std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create(1, nullptr), &pcre2_match_data_free);
  std::string scratch;
  const std::string_view valid = repair_utf8(text, scratch);
  ids.clear();
  impl_->encode_ordinary(valid, match.get(), ids);
  const std::size_t n = ids.size();
  if (ids.capacity() > 64 * 1024) ids = {};  // one huge text does not pin its ids for good
  memo.keep(n);
  return n;
}

std::optional<std::size_t> Tokenizer::prefix_within(std::string_view text, std::size_t max_tokens) const {
  std::string scratch;
  if (repair_utf8(text, scratch).data() != text.data()) return std::nullopt;  // offsets would not map back
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(pcre2_match_data_create(1, nullptr),
                                                                            &pcre2_match_data_free);
  std::vector<TokenId> ids;
  std::size_t tokens = 0, end = 0;
  impl_->for_each_piece(text, match.get(), [&](std::string_view piece) {
    ids.clear();
    byte_pair_encode(piece, impl_->ranks, ids);
    if (tokens + ids.size() <= max_tokens) {
      tokens += ids.size();
      end = static_cast<std::size_t>(piece.data() + piece.size() - text.data());
      return true;
    }
    // A piece over the rest (a long word, a run of one character): its
    // tokens are its bytes back to back, so cut after as many as fit.
    for (std::size_t i = 0; tokens < max_tokens && i < ids.size(); ++i, ++tokens) {
      end += impl_->ranks.bytes_of(ids[i]).size();
    }
    return false;
  });
  return end;
}

std::string Tokenizer::decode(const std::vector<TokenId>& tokens) const {
  std::string out;
  for (TokenId id : tokens) {
    auto bytes = impl_->ranks.bytes_of(id);
    if (bytes.empty()) {
      for (const auto& [text, special_id] : impl_->spec->specials) {
        if (special_id == id) bytes = text;
      }
    }
    out.append(bytes);
  }
  return out;
}

Encoding Tokenizer::encoding() const { return impl_->encoding; }

}  // namespace aisbf::context
