// Content classification of a request for autoselect (issue 11), and the
// candidates that may serve it. A request that holds personal or secret
// data goes only to candidates flagged `privacy: true`, an NSFW one only to
// candidates flagged `nsfw: true` (AISBF's flags), one with images only to
// vision-capable candidates and one with tools only to tool-capable ones;
// when none is left, the caller answers with the reason given here, which
// names the kinds of data found, never the data.
//
// Local and deterministic: the privacy side is private_data.hpp's detector,
// the NSFW side a word list (the optional classifier model's prompt and
// answer are autoselect_prompt.hpp's).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/chat_types.hpp"
#include "core/string_map.hpp"
#include "routing/private_data.hpp"

namespace aisbf::routing {

// What the classifiers read: the text blocks, tool calls' arguments and
// tool results of the last `window` messages (0: all), one per line, roles
// left out.
std::string classification_text(const ChatRequest& request, std::size_t window);

// The kinds of personal and secret data in `text`, each once, in the order
// first found.
std::vector<PrivateDataKind> private_data_kinds(std::string_view text);

// A case-insensitive word list. An entry is a word or a phrase; it matches
// whole words only (an entry "cum" is not found in "cumulative"). Words are runs of ASCII letters and digits and of
// non-ASCII bytes, so punctuation and hyphens separate them ("blow-job"
// meets "blow job"). Built once per config snapshot; thread-safe to read.
class NsfwWordList {
 public:
  // `words`: the configured entries; `with_defaults`: plus
  // default_nsfw_words().
  explicit NsfwWordList(std::span<const std::string> words, bool with_defaults = true);

  bool matches(std::string_view text) const;
  bool empty() const { return words_.empty() && phrases_.empty(); }

 private:
  bool slice_matches(std::string_view text) const;
  std::unordered_set<std::string, StringHash, std::equal_to<>> words_;
  std::vector<std::string> phrases_;  // words joined by one space, framed by spaces
};

// The built-in list: terms with no everyday or technical meaning besides
// the sexual one (no "sex", "nude", "cock", "cum": forms, art, farms and
// diplomas use them).
std::span<const std::string_view> default_nsfw_words();

// What a request needs of the candidate that serves it.
struct ContentNeeds {
  std::vector<PrivateDataKind> private_data{};  // the kinds found; empty: none
  bool nsfw = false;
  bool images = false;
  bool tools = false;
};

// One autoselect candidate's flags: AISBF's `nsfw` and `privacy`, and the
// capabilities of the model id it names (routing::can_serve).
struct CandidateFlags {
  std::string_view id{};
  bool nsfw = false;
  bool privacy = false;
  bool vision = false;
  bool tools = false;
};

struct CandidateFilter {
  std::vector<std::size_t> allowed;  // indices into the candidates, in their order
  std::string reason;                // when none is allowed: why, for the client
};

// The candidates that may serve a request with `needs`. When none may, the
// reason names the needs no candidate meets on its own (or all of them, when
// only their combination leaves none), e.g. "the request holds personal data
// (email) and no candidate of autoselect coding is flagged privacy: true".
CandidateFilter filter_candidates(std::span<const CandidateFlags> candidates, const ContentNeeds& needs,
                                  std::string_view autoselect_id);

}  // namespace aisbf::routing
