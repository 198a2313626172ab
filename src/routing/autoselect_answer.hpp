// Reading the selection model's answer (issue 11). AISBF asks for
// `<aisbf_model_autoselection>id</aisbf_model_autoselection>` and, when the
// answer is anything else, falls back; models often wrap the tag in
// reasoning, code fences or prose, or answer in JSON. What counts, in order:
//   1. reasoning blocks (<think>, <thinking>, <reasoning>) are dropped first,
//      an unclosed one to the end of the text;
//   2. the last selection tag whose content names a candidate;
//   3. a JSON object with "model" or "model_id" naming a candidate;
//   4. a line that is exactly a candidate id (after trimming spaces, quotes,
//      backticks, asterisks, brackets and periods).
// Anything else names no candidate: the caller uses the fallback.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aisbf::routing {

// The candidate id the answer names, or nullopt. `candidates` are compared
// exactly (ids are case-sensitive, as model ids are).
std::optional<std::string> parse_autoselect_answer(std::string_view answer, std::span<const std::string> candidates);

}  // namespace aisbf::routing
