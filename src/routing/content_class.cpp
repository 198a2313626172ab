#include "routing/content_class.hpp"

#include <algorithm>
#include <array>

#include "routing/bm25.hpp"

namespace aisbf::routing {

namespace {

// `words` joined by single spaces, with a space before and after: a phrase
// framed the same way is found in it only on word bounds.
std::string framed(const std::vector<std::string>& words) {
  std::string out = " ";
  for (const auto& w : words) {
    out += w;
    out += ' ';
  }
  return out;
}

// Plural and -ing forms meet these through the stemming.
constexpr std::array<std::string_view, 20> kDefaultWords = {
    "porn",    "porno",    "pornography", "pornographic", "hentai",  "blowjob",    "handjob",
    "cumshot", "gangbang", "bukkake",     "deepthroat",   "dildo",   "masturbate", "masturbation",
    "erotica", "bdsm",     "fellatio",    "cunnilingus",  "sexting", "rule34"};

void join_names(std::string& out, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
}

// One need of a request: how to name it, the flag that meets it.
struct Need {
  bool active;
  std::string_view what;  // "holds personal data (email)"
  std::string_view flag;  // "flagged privacy: true"
  bool (*meets)(const CandidateFlags&);
};

}  // namespace

std::string classification_text(const ChatRequest& request, std::size_t window) {
  const auto& messages = request.messages;
  const std::size_t from = window == 0 || window >= messages.size() ? 0 : messages.size() - window;
  std::string out;
  auto line = [&](std::string_view text) {
    out.append(text);
    out += '\n';
  };
  for (std::size_t i = from; i < messages.size(); ++i) {
    for (const auto& block : messages[i].content) {
      if (const auto* t = std::get_if<TextBlock>(&block)) line(t->text);
      if (const auto* c = std::get_if<ToolCallBlock>(&block)) line(c->arguments_json);
      if (const auto* r = std::get_if<ToolResultBlock>(&block)) line(r->content);
    }
  }
  return out;
}

std::vector<PrivateDataKind> private_data_kinds(std::string_view text) {
  std::vector<PrivateDataKind> kinds;
  for (const auto& hit : find_private_data(text)) {
    if (std::find(kinds.begin(), kinds.end(), hit.kind) == kinds.end()) kinds.push_back(hit.kind);
  }
  return kinds;
}

std::span<const std::string_view> default_nsfw_words() { return kDefaultWords; }

NsfwWordList::NsfwWordList(std::span<const std::string> words, bool with_defaults) {
  auto add = [&](std::string_view entry) {
    const auto entry_words = bm25_words(entry);
    if (entry_words.size() == 1) {
      words_.insert(entry_words.front());
    } else if (entry_words.size() > 1) {
      auto phrase = framed(entry_words);
      if (std::find(phrases_.begin(), phrases_.end(), phrase) == phrases_.end()) phrases_.push_back(std::move(phrase));
    }
  };
  if (with_defaults) {
    for (auto w : kDefaultWords) add(w);
  }
  for (const auto& w : words) add(w);
}

bool NsfwWordList::matches(std::string_view text) const {
  if (empty()) return false;
  // In slices cut at spaces, so that a huge text never becomes a huge list
  // of words; each slice after the first starts a little before the last
  // one ended (at a space), so that no phrase is lost at a seam.
  constexpr std::size_t kSlice = 64 * 1024, kSeam = 1024;
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(text.size(), at + kSlice);
    while (end < text.size() && end < at + 2 * kSlice && !space(text[end])) ++end;
    if (slice_matches(text.substr(at, end - at))) return true;
    if (end >= text.size()) break;
    std::size_t next = end - std::min(kSeam, end - at);
    while (next < end && !space(text[next])) ++next;
    at = next < end ? next : end;
  }
  return false;
}

bool NsfwWordList::slice_matches(std::string_view text) const {
  const auto words = bm25_words(text);
  if (std::any_of(words.begin(), words.end(), [&](const std::string& w) { return words_.contains(w); })) return true;
  if (phrases_.empty()) return false;
  const std::string all = framed(words);
  return std::any_of(phrases_.begin(), phrases_.end(),
                     [&](const std::string& p) { return all.find(p) != std::string::npos; });
}

CandidateFilter filter_candidates(std::span<const CandidateFlags> candidates, const ContentNeeds& needs,
                                  std::string_view autoselect_id) {
  // Built only when it is a need: a request without personal data (every
  // cached autoselect decision) allocates nothing here.
  std::string personal;
  if (!needs.private_data.empty()) {
    std::vector<std::string> kinds;
    for (auto kind : needs.private_data) kinds.emplace_back(private_data_kind_name(kind));
    personal = "holds personal data (";
    join_names(personal, kinds);
    personal += ')';
  }
  const std::array<Need, 4> all = {{
      {!needs.private_data.empty(), personal, "flagged privacy: true",
       [](const CandidateFlags& c) { return c.privacy; }},
      {needs.nsfw, "was classified NSFW", "flagged nsfw: true", [](const CandidateFlags& c) { return c.nsfw; }},
      {needs.images, "holds images", "vision-capable", [](const CandidateFlags& c) { return c.vision; }},
      {needs.tools, "uses tools", "tool-capable", [](const CandidateFlags& c) { return c.tools; }},
  }};

  CandidateFilter out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (std::all_of(all.begin(), all.end(), [&](const Need& n) { return !n.active || n.meets(candidates[i]); })) {
      out.allowed.push_back(i);
    }
  }
  if (!out.allowed.empty()) return out;
  if (candidates.empty()) {
    out.reason = "autoselect " + std::string(autoselect_id) + " has no candidates";
    return out;
  }
  // Name the needs that no candidate meets even alone; when each is met by
  // some candidate, it is their combination that no candidate meets.
  auto unmet = [&](const Need& n) { return std::none_of(candidates.begin(), candidates.end(), n.meets); };
  const bool any_alone = std::any_of(all.begin(), all.end(), [&](const Need& n) { return n.active && unmet(n); });
  std::vector<std::string> what, flags;
  for (const Need& n : all) {
    if (n.active && (!any_alone || unmet(n))) {
      what.emplace_back(n.what);
      flags.emplace_back(n.flag);
    }
  }
  out.reason = "the request ";
  join_names(out.reason, what);
  out.reason += what.size() > 1 ? ", and" : " and";
  out.reason += " no candidate of autoselect " + std::string(autoselect_id) + " is ";
  join_names(out.reason, flags);
  return out;
}

}  // namespace aisbf::routing
