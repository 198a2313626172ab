#include "pipeline/semantic_embeddings.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "pipeline/description_fetch.hpp"
#include "pipeline/embeddings_call.hpp"
#include "pipeline/gateway_state.hpp"
#include "routing/semantic_select.hpp"

namespace aisbf {

namespace {

// The descriptions' vectors known so far, and the texts still to fetch
// (each distinct text once).
struct Lookup {
  std::vector<routing::DescriptionVectors::Vector> vectors;  // null: missing
  std::vector<routing::TextDigest> digests;
  std::vector<std::string> missing;
  std::vector<routing::TextDigest> missing_digests;
};

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// A blank description has no direction: an empty vector, whose cosine with
// anything is 0 (dot_product of different sizes), never sent upstream (an
// empty input is an error to most embeddings APIs).
const routing::DescriptionVectors::Vector& kNoDirection() {
  static const auto none = std::make_shared<const std::vector<float>>();
  return none;
}

Lookup look_up(const routing::DescriptionVectors& cache, const std::string& model,
               std::span<const std::string_view> descriptions) {
  Lookup out;
  for (std::string_view text : descriptions) {
    out.digests.push_back(routing::text_digest(text));
    out.vectors.push_back(blank(text) ? kNoDirection() : cache.find(model, out.digests.back()));
    if (out.vectors.back() == nullptr &&
        std::find(out.missing_digests.begin(), out.missing_digests.end(), out.digests.back()) ==
            out.missing_digests.end()) {
      out.missing.emplace_back(text);
      out.missing_digests.push_back(out.digests.back());
    }
  }
  return out;
}

// The vectors of `got` (in its texts' order) where `found` lacks them.
void fill(Lookup& found, const MissingDescriptions& got, const std::vector<routing::DescriptionVectors::Vector>& vectors) {
  for (std::size_t i = 0; i < got.digests.size(); ++i) {
    for (std::size_t d = 0; d < found.vectors.size(); ++d) {
      if (found.digests[d] == got.digests[i] && (found.vectors[d] == nullptr || found.vectors[d]->empty()))
        found.vectors[d] = vectors[i];
    }
  }
}

}  // namespace

boost::asio::awaitable<std::optional<std::vector<double>>> semantic_cosines(
    RequestContext& ctx, http::UpstreamPool& pool, const SemanticEmbeddings& how,
    std::span<const std::string_view> descriptions, std::string_view query) {
  if (blank(query)) co_return std::nullopt;  // nothing to embed (an image alone): BM25 scores nothing either
  // The log line names the error's status and code, never its message: an
  // upstream may echo the input, and the input is the user's prompt.
  auto warn = [&](const GatewayError& e) {
    spdlog::warn("{} autoselect {}: embeddings by {} failed ({} {}), BM25 alone", ctx.request_id,
                 log_text(how.autoselect), log_text(how.model), e.status, log_text(e.code));
  };
  // Resolved as the selection model is (side_call's operator_model): in the
  // global snapshot, with the caller's namespace, where a user's own
  // autoselect finds the `user-provider/…` it names.
  const EmbeddingsCall call{how.model, "autoselect", how.timeout, true};
  auto model = resolve_embeddings_model(ctx, call);
  if (!model) {
    warn(model.error());
    co_return std::nullopt;
  }
  const std::string& model_key = model->key;
  routing::DescriptionVectors& cache = *ctx.state->description_vectors;
  Lookup found = look_up(cache, model_key, descriptions);
  const EmbeddingsUse use{call, *model};
  std::optional<std::vector<float>> raw_prompt;
  if (!found.missing.empty()) {
    const MissingDescriptions missing{std::move(found.missing), std::move(found.missing_digests)};
    auto fetched = co_await fetch_descriptions(ctx, pool, use, missing, query);
    if (!fetched) {
      warn(fetched.error());
      co_return std::nullopt;
    }
    fill(found, missing, fetched->vectors);
    raw_prompt = std::move(fetched->prompt);
  }
  if (!raw_prompt) {  // every description was known: the prompt alone
    std::vector<std::string> texts{std::string(query)};
    auto answer = co_await embed_texts(ctx, pool, call, *model, std::move(texts));
    if (!answer) {
      warn(answer.error());
      co_return std::nullopt;
    }
    raw_prompt = std::move(answer->vectors.back());
  }
  const std::vector<float> prompt = routing::unit_vector(*raw_prompt);
  // A known vector of another size than the model gives now is stale (the
  // model changed under its name): embedded again now, replacing it in
  // memory and in the store; it scores 0 if that fails.
  MissingDescriptions stale;
  for (std::size_t d = 0; d < descriptions.size(); ++d) {
    const auto& v = *found.vectors[d];
    if (v.empty() || v.size() == prompt.size()) continue;
    found.vectors[d] = kNoDirection();
    if (std::find(stale.digests.begin(), stale.digests.end(), found.digests[d]) != stale.digests.end()) continue;
    cache.erase(model_key, found.digests[d]);
    stale.texts.emplace_back(descriptions[d]);
    stale.digests.push_back(found.digests[d]);
  }
  if (!stale.texts.empty()) {
    auto fresh = co_await refresh_descriptions(ctx, pool, use, stale);
    if (fresh) fill(found, stale, fresh->vectors);
  }
  std::vector<double> cosines;
  cosines.reserve(descriptions.size());
  for (std::size_t d = 0; d < descriptions.size(); ++d) cosines.push_back(routing::dot_product(prompt, *found.vectors[d]));
  co_return cosines;
}

}  // namespace aisbf
