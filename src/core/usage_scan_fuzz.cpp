// libFuzzer target for the usage scanners (run by scripts/fuzz.sh): they
// read upstream bytes on every answer, walking the top level from the end.
// Checked, on any input: nothing crashes, and every view they return lies
// inside the input. On a valid JSON object, differentially against the
// validating scanner (json_scan::scan_object): top_level_usage() finds
// exactly the value of the last top-level member whose decoded key is
// "usage", or nothing when there is none.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/json_scan.hpp"
#include "core/usage_scan.hpp"

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "usage_scan_fuzz: %s\n", what);
  std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aisbf;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::optional<std::string_view> found = top_level_usage(text);
  if (found) check(!found->empty() && inside(*found, text), "top_level_usage outside the input");

  std::string_view object;
  if (scan_openai_usage(text, &object) && !object.empty()) check(inside(object, text), "openai usage outside");
  object = {};
  if (scan_responses_usage(text, &object) && !object.empty()) check(inside(object, text), "responses usage outside");
  object = {};
  AnthropicUsage counts;
  if (scan_anthropic_usage(text, counts, &object) && !object.empty()) check(inside(object, text), "anthropic outside");

  std::optional<std::string_view> expected;
  const bool invalid = json_scan::scan_object(text, [&](const json_scan::Member& m) {
    if (json_scan::key_equals(m, "usage")) expected = text.substr(m.value_begin, m.value_end - m.value_begin);
  }).has_value();
  if (!invalid) {
    check(found.has_value() == expected.has_value(), "top_level_usage and the validating scan disagree on presence");
    if (found) check(found->data() == expected->data() && found->size() == expected->size(), "different usage value");
  }
  return 0;
}
