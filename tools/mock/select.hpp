// The jobs aisbf hands to a model besides chatting, answered the way a
// well-behaved (or, on request, a badly-behaved) model would, so that the
// gateway's autoselect, content classification and semantic selection can be
// tested through the binary: AISBF's autoselect prompt, its NSFW
// classification prompt, and bag-of-words embeddings whose cosine grows with
// shared words. Plain text in, text out: no JSON, no protocol, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aisbf_mock {

// The words of `text` as this file counts them: runs of ASCII letters and
// digits (bytes >= 0x80 count as letters, so a UTF-8 word stays whole),
// ASCII lowercased, of at least 3 characters (UTF-8 code points).
std::vector<std::string> words_of(std::string_view text);

// True when `text` may hold a task prompt (one of the opening tags below):
// a cheap test before the request's text is gathered.
bool mentions_task_tag(std::string_view text);

// When `prompt` (all the text of a request's messages) is
//  - an autoselect prompt (it contains <aisbf_autoselect_list>): the choice,
//    shaped by the requested `model` (select-think, select-fence,
//    select-json, select-garbage, select-unknown; see README.md);
//  - a classification prompt (<aisbf_classify_content>…</aisbf_classify_content>):
//    <aisbf_classification>nsfw|safe</aisbf_classification>;
// sets `reply` and returns true. Otherwise returns false, `reply` untouched.
bool answer_task_prompt(std::string_view prompt, std::string_view model, std::string& reply);

// Embedding models whose name contains "embed-bow" get bag-of-words vectors.
bool is_bag_of_words_model(std::string_view model);

// Sums one signed unit dimension per word (FNV-1a 64 of the word: the
// dimension is hash % dims, the sign its top bit), then L2-normalises: the
// cosine of two vectors grows with the words their texts share. A text
// without words gives the zero vector.
class BagOfWords {
 public:
  explicit BagOfWords(unsigned dims) : sums_(dims, 0.0) {}
  void add_text(std::string_view text);  // every word of words_of(text)
  void add_word(std::string_view word);  // one word, taken as is
  void finish(std::vector<float>& out) const;

 private:
  std::vector<double> sums_;
};

}  // namespace aisbf_mock
