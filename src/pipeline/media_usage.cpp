#include "pipeline/media_usage.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>

namespace aisbf {

namespace {

namespace json = boost::json;

std::int64_t int_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return std::max<std::int64_t>(v->get_int64(), 0);
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

}  // namespace

ScannedUsage media_usage(std::string_view body) {
  ScannedUsage u;
  if (body.find("\"usage\"") == std::string_view::npos) return u;
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  const json::object* root = ec ? nullptr : doc.if_object();
  const json::value* usage = root != nullptr ? root->if_contains("usage") : nullptr;
  if (usage == nullptr || !usage->is_object()) return u;
  const json::object& o = usage->get_object();
  u.prompt_tokens = int_at(o, "input_tokens");
  u.completion_tokens = int_at(o, "output_tokens");
  u.total_tokens = o.contains("total_tokens") ? int_at(o, "total_tokens") : u.prompt_tokens + u.completion_tokens;
  u.reported = true;
  return u;
}

void MediaUsageTail::add(std::string_view piece) {
  total_ += piece.size();
  if (piece.size() >= kKept) {
    tail_.assign(piece.substr(piece.size() - kKept));
    return;
  }
  if (tail_.size() + piece.size() > kKept) tail_.erase(0, tail_.size() + piece.size() - kKept);
  tail_.append(piece);
}

ScannedUsage MediaUsageTail::usage(bool sse) const {
  if (!sse) return total_ <= kKept ? media_usage(tail_) : ScannedUsage{};
  // The last event that has data: `data: {…}` lines, events apart by a blank line.
  std::string_view rest(tail_);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.remove_suffix(1);
  // At a line's start: a JSON string holds no raw newline, so no text can fake one.
  const auto line = rest.rfind("\ndata:");
  const auto at = line != std::string_view::npos ? line + 1 : rest.starts_with("data:") ? 0 : std::string_view::npos;
  if (at == std::string_view::npos) return {};
  auto data = rest.substr(at + 5);
  data = data.substr(0, data.find('\n'));
  return media_usage(data);
}

}  // namespace aisbf
