// The `google` adapter's transport side: authentication headers and paths.
#include "providers/gemini/gemini_adapter.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace aisbf::gemini {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The model id as one path segment: unreserved characters as they are,
// everything else (':', '/', '?', '%', …) percent-encoded.
std::string encode_segment(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

}  // namespace

HeaderList GeminiAdapter::auth_headers(const UpstreamTarget& target) const {
  HeaderList headers;
  if (!target.api_key.empty()) headers.emplace_back("x-goog-api-key", target.api_key);
  for (const auto& header : target.extra_headers) headers.push_back(header);
  return headers;
}

// The endpoint carries the version (…/v1beta). `models/x` and `x` name the
// same model; tuned models live under `tunedModels/`.
std::string model_resource(const UpstreamTarget& target) {
  std::string_view model = target.upstream_model;
  std::string_view collection = "models";
  if (starts_with(model, "models/")) {
    model.remove_prefix(7);
  } else if (starts_with(model, "tunedModels/")) {
    model.remove_prefix(12);
    collection = "tunedModels";
  }
  std::string path(collection);
  path += '/';
  path += encode_segment(model);
  return path;
}

std::string GeminiAdapter::chat_path(const UpstreamTarget& target, bool stream) const {
  return "/" + model_resource(target) + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

const ProviderAdapter& gemini_adapter() {
  static const GeminiAdapter kAdapter;
  return kAdapter;
}

}  // namespace aisbf::gemini
