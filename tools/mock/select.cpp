#include "select.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "text.hpp"

namespace aisbf_mock {
namespace {

constexpr std::string_view kListOpen = "<aisbf_autoselect_list>";
constexpr std::string_view kClassifyOpen = "<aisbf_classify_content>";
constexpr std::string_view kTagOpen = "<aisbf_model_autoselection>";
constexpr std::string_view kTagClose = "</aisbf_model_autoselection>";

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// The text between the last `<name>` … `</name>` pair of `text` (the last
// closing tag and the last opening tag before it): the instructions AISBF
// puts first name the tags too, the real elements come after them.
bool last_element(std::string_view text, std::string_view name, std::string_view& inner) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const std::size_t end = text.rfind(close);
  if (end == std::string_view::npos) return false;
  const std::size_t start = text.substr(0, end).rfind(open);
  if (start == std::string_view::npos) return false;
  inner = text.substr(start + open.size(), end - start - open.size());
  return true;
}

// The text between the first `<name>` … `</name>` of `text`.
std::string_view first_element(std::string_view text, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const std::size_t start = text.find(open);
  if (start == std::string_view::npos) return {};
  const std::size_t end = text.find(close, start + open.size());
  if (end == std::string_view::npos) return {};
  return text.substr(start + open.size(), end - start - open.size());
}

struct Candidate {
  std::string_view id;
  std::string_view description;
};

// <model><model_id>ID</model_id><model_description>TEXT</model_description></model>…
std::vector<Candidate> candidates_of(std::string_view list) {
  constexpr std::string_view kOpen = "<model>";
  constexpr std::string_view kClose = "</model>";
  std::vector<Candidate> out;
  for (std::size_t pos = list.find(kOpen); pos != std::string_view::npos; pos = list.find(kOpen, pos)) {
    const std::size_t end = list.find(kClose, pos + kOpen.size());
    if (end == std::string_view::npos) break;
    const std::string_view model = list.substr(pos + kOpen.size(), end - pos - kOpen.size());
    const std::string_view id = trim(first_element(model, "model_id"));
    if (!id.empty()) out.push_back({id, first_element(model, "model_description")});
    pos = end + kClose.size();
  }
  return out;
}

std::vector<std::string> distinct_words(std::string_view text) {
  std::vector<std::string> words = words_of(text);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// The candidate whose description shares the most distinct words with the
// user prompt (the earlier one on a tie); the fallback when none shares any.
std::string_view choose(std::string_view user_prompt, const std::vector<Candidate>& candidates,
                        std::string_view fallback) {
  const std::vector<std::string> prompt_words = distinct_words(user_prompt);
  std::string_view best = fallback;
  std::size_t best_shared = 0;
  for (const Candidate& c : candidates) {
    const std::vector<std::string> words = distinct_words(c.description);
    std::size_t shared = 0;
    for (const std::string& w : words) shared += std::binary_search(prompt_words.begin(), prompt_words.end(), w);
    if (shared > best_shared) {
      best = c.id;
      best_shared = shared;
    }
  }
  return best;
}

bool names_any(std::string_view text, const std::vector<Candidate>& candidates, std::string_view fallback) {
  if (!fallback.empty() && text.find(fallback) != std::string_view::npos) return true;
  return std::any_of(candidates.begin(), candidates.end(),
                     [&](const Candidate& c) { return text.find(c.id) != std::string_view::npos; });
}

void append_tag(std::string& out, std::string_view id) {
  out += kTagOpen;
  out += id;
  out += kTagClose;
}

// select-think: a reasoning block that names (alone on a line, and in the
// tag) another id than the choice, before the real answer.
void think_answer(std::string_view chosen, const std::vector<Candidate>& candidates, std::string_view fallback,
                  std::string& out) {
  std::string_view other;
  for (const Candidate& c : candidates) {
    if (c.id != chosen) {
      other = c.id;
      break;
    }
  }
  if (other.empty() && fallback != chosen) other = fallback;
  out += "<think>\n";
  if (other.empty()) {
    out += "Only one model is on the list.\n";
  } else {
    out += "The request might suit\n";
    out += other;
    out += "\nso perhaps ";
    append_tag(out, other);
    out += "\nbut another description shares more of its words.\n";
  }
  out += "</think>\n";
  append_tag(out, chosen);
}

// select-garbage: prose that names neither a candidate nor the fallback.
void garbage_answer(const std::vector<Candidate>& candidates, std::string_view fallback, std::string& out) {
  constexpr std::string_view kProse[] = {
      "I looked at the request and the list, and I would rather not pick one today.",
      "No opinion.",
  };
  for (const std::string_view prose : kProse) {
    if (!names_any(prose, candidates, fallback)) {
      out += prose;
      return;
    }
  }
}

// select-unknown: an id in the tag that is neither a candidate nor the fallback.
void unknown_answer(const std::vector<Candidate>& candidates, std::string_view fallback, std::string& out) {
  std::string id = "mock-unknown-model";
  auto taken = [&](std::string_view s) {
    return s == fallback ||
           std::any_of(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.id == s; });
  };
  while (taken(id)) id += "-x";
  append_tag(out, id);
}

void autoselect_answer(std::string_view prompt, std::string_view model, std::string& out) {
  std::string_view list;
  std::string_view user_prompt;
  std::string_view fallback;
  last_element(prompt, "aisbf_autoselect_list", list);
  last_element(prompt, "aisbf_user_prompt", user_prompt);
  last_element(prompt, "aisbf_autoselect_fallback", fallback);
  fallback = trim(fallback);
  const std::vector<Candidate> candidates = candidates_of(list);
  const std::string_view chosen = choose(user_prompt, candidates, fallback);
  if (model.find("select-think") != std::string_view::npos) {
    think_answer(chosen, candidates, fallback, out);
  } else if (model.find("select-fence") != std::string_view::npos) {
    out += "Here is the model I chose for this request:\n```\n";
    append_tag(out, chosen);
    out += "\n```";
  } else if (model.find("select-json") != std::string_view::npos) {
    out += "{\"model\": ";
    append_json_string(out, chosen);
    out += "}";
  } else if (model.find("select-garbage") != std::string_view::npos) {
    garbage_answer(candidates, fallback, out);
  } else if (model.find("select-unknown") != std::string_view::npos) {
    unknown_answer(candidates, fallback, out);
  } else {
    append_tag(out, chosen);
  }
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return h;
}

}  // namespace

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  std::size_t chars = 0;
  auto flush = [&] {
    if (chars >= 3) words.push_back(word);
    word.clear();
    chars = 0;
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (!is_word_byte(c)) {
      flush();
      continue;
    }
    word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    if ((c & 0xC0) != 0x80) ++chars;
  }
  flush();
  return words;
}

bool mentions_task_tag(std::string_view text) {
  return text.find(kListOpen) != std::string_view::npos || text.find(kClassifyOpen) != std::string_view::npos;
}

bool answer_task_prompt(std::string_view prompt, std::string_view model, std::string& reply) {
  if (prompt.find(kListOpen) != std::string_view::npos) {
    reply.clear();
    autoselect_answer(prompt, model, reply);
    return true;
  }
  std::string_view content;
  if (!last_element(prompt, "aisbf_classify_content", content)) return false;
  const std::vector<std::string> words = words_of(content);
  const bool nsfw =
      std::any_of(words.begin(), words.end(), [](const std::string& w) { return w == "nsfw" || w == "explicit"; });
  reply =
      nsfw ? "<aisbf_classification>nsfw</aisbf_classification>" : "<aisbf_classification>safe</aisbf_classification>";
  return true;
}

bool is_bag_of_words_model(std::string_view model) { return model.find("embed-bow") != std::string_view::npos; }

void BagOfWords::add_text(std::string_view text) {
  for (const std::string& w : words_of(text)) add_word(w);
}

void BagOfWords::add_word(std::string_view word) {
  if (sums_.empty()) return;
  const std::uint64_t h = fnv1a(word);
  sums_[h % sums_.size()] += (h >> 63) != 0 ? -1.0 : 1.0;
}

void BagOfWords::finish(std::vector<float>& out) const {
  double norm = 0;
  for (const double s : sums_) norm += s * s;
  norm = std::sqrt(norm);
  out.resize(sums_.size());
  for (std::size_t i = 0; i < sums_.size(); ++i) out[i] = norm > 0 ? static_cast<float>(sums_[i] / norm) : 0.0f;
}

}  // namespace aisbf_mock
