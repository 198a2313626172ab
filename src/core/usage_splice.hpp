// `usage.effective_context` written into an answer that is relayed as bytes
// (pipeline/relay.cpp): only the top-level usage object is touched, every
// other byte of the body or event stays as the upstream sent it. No DOM:
// the usage scanner finds the object, and only that object is scanned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aisbf {

// `json_text` with `"effective_context":N` in its top-level usage object:
// inserted before the object's closing brace, or replacing the value of a
// top-level effective_context member already there (an upstream that is
// itself a gateway). nullopt, nothing to write, when the text is not one
// JSON object, has no top-level usage, or its usage is not an object
// (`"usage": null` stays null) or not valid JSON.
std::optional<std::string> with_effective_context(std::string_view json_text, std::int64_t tokens);

// The same with the top-level usage object already found by the usage
// scanner (UsageScanner::usage_object(), a view into `json_text`): the relay's
// path, with no second scan of the text. Its usage object is not validated
// again (the scanner's walk matched its brackets and strings; an object
// malformed inside stays as malformed as the upstream sent it); one that
// holds an escape or an effective_context of its own takes the full path.
std::optional<std::string> with_effective_context(std::string_view json_text, std::string_view usage_object,
                                                  std::int64_t tokens);

// One SSE block (`raw`: its exact bytes, `data`: its data lines joined,
// `event`: its event field) with `data` replaced by `new_data`. A block with
// one data line keeps every other byte (field order, line endings, id,
// comments); a block whose data spans several lines is written anew as
// event, id and one data line.
std::string sse_block_with_data(std::string_view raw, std::string_view event, std::string_view id,
                                std::string_view data, std::string_view new_data);

}  // namespace aisbf
