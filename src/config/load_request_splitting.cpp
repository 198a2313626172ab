// aisbf.json `feature_controls.request_splitting` (our addition): the
// overlap a cut text repeats and the most chunks one request may become.
// The limit itself is AISBF's per-model `max_request_tokens`.
#include "config/load_internal.hpp"
#include "config/schema.hpp"

namespace aisbf::config_detail {

void load_request_splitting(const json::object& aisbf_root, DiagSink& sink, RequestSplittingConfig& out) {
  const json::object* controls = get_object(aisbf_root, "feature_controls");
  const json::object* section = controls != nullptr ? get_object(*controls, "request_splitting") : nullptr;
  if (section == nullptr) return;
  const std::string path = "feature_controls.request_splitting";
  check_fields(*section, path, request_splitting_schema(), sink);
  // A chunk's answer costs an upstream call: the bound keeps one request's
  // fan-out small; an overlap past a chunk's room is cut to half of it.
  if (check_range(*section, "overlap_tokens", path, Range{0, false, 100'000.0}, sink)) {
    if (auto v = get_int(*section, "overlap_tokens")) out.overlap_tokens = *v;
  }
  if (check_range(*section, "max_chunks", path, Range{1, false, 1'000.0}, sink)) {
    if (auto v = get_int(*section, "max_chunks")) out.max_chunks = static_cast<std::size_t>(*v);
  }
}

}  // namespace aisbf::config_detail
