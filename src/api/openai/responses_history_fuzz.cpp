// libFuzzer target for stored Responses' pure part (run by scripts/fuzz.sh):
// the input as a request body (its state fields, the input items kept for
// it, the continuation it becomes), as an answer and a stream event (the
// finished response found in it), and as an input_items query. Nothing may
// crash, throw or leak; every JSON made must be valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/ingress_fuzz_driver.hpp"
#include "api/openai/responses_history.hpp"
#include "core/json_scan.hpp"

namespace {

constexpr std::string_view kStoredInput =
    R"([{"id":"msg_1","type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}])";
constexpr std::string_view kStoredResponse =
    R"({"id":"resp_1","object":"response","status":"completed","output":[{"id":"msg_2","type":"message",)"
    R"("role":"assistant","content":[{"type":"output_text","text":"yo","annotations":[]}]}]})";

void must_be_json(std::string_view text) {
  if (aisbf::json_scan::validate(text)) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aisbf::ingress_fuzz::silence_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aisbf::api;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // The finished response is found by a walk of the top level, not a
  // validation (the DB thread validates it before it is kept): a view of
  // the input, and valid JSON whenever the input is.
  const bool body_is_json = !aisbf::json_scan::validate(body);
  if (auto found = final_response(body)) {
    if (!inside(found->json, body)) std::abort();
    if (body_is_json) must_be_json(found->json);
  }
  if (auto found = final_response_of_event("", body)) {
    if (!inside(found->json, body)) std::abort();
    if (body_is_json) must_be_json(found->json);
  }
  if (auto items = input_items_to_store(body)) {
    must_be_json(*items);
    InputItemsQuery query;
    query.limit = 3;
    must_be_json(input_items_page(*items, query));
  }
  if (auto expanded = expand_previous_response(body, {kStoredInput, kStoredResponse}, 1 << 20)) must_be_json(*expanded);
  // The input as the stored row: a broken row is an error, never a crash.
  (void)expand_previous_response(R"({"model":"m","input":"x"})", {body, kStoredResponse}, 1 << 20);
  (void)expand_previous_response(R"({"model":"m","input":"x"})", {kStoredInput, body}, 1 << 20);
  InputItemsQuery query;
  query.after = std::string(body.substr(0, 8));
  must_be_json(input_items_page(body, query));
  (void)parse_input_items_query(std::string("/v1/responses/r/input_items?") + std::string(body));
  return 0;
}
