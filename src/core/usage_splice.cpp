#include "core/usage_splice.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/json_scan.hpp"
#include "core/usage_scan.hpp"

namespace aisbf {

std::optional<std::string> with_effective_context(std::string_view json_text, std::int64_t tokens) {
  const auto usage = top_level_usage(json_text);
  if (!usage || usage->empty() || usage->front() != '{') return std::nullopt;
  // The object itself is validated (the walk that found it matched only
  // brackets and strings), and an effective_context of its own found.
  std::optional<json_scan::Member> existing;
  bool any_member = false;
  const bool invalid = json_scan::scan_object(*usage, [&](const json_scan::Member& m) {
                         any_member = true;
                         if (json_scan::key_equals(m, "effective_context")) existing = m;
                       }).has_value();
  if (invalid) return std::nullopt;
  const auto at = static_cast<std::size_t>(usage->data() - json_text.data());
  const std::string figure = fmt::format("{}", tokens);
  std::string out;
  out.reserve(json_text.size() + 32);
  if (existing) {
    out.append(json_text.substr(0, at + existing->value_begin));
    out += figure;
    out.append(json_text.substr(at + existing->value_end));
    return out;
  }
  // Before the closing brace, after any whitespace that precedes it.
  std::size_t close = at + usage->size() - 1;
  out.append(json_text.substr(0, close));
  out += any_member ? ",\"effective_context\":" : "\"effective_context\":";
  out += figure;
  out.append(json_text.substr(close));
  return out;
}

std::optional<std::string> with_effective_context(std::string_view json_text, std::string_view usage,
                                                  std::int64_t tokens) {
  const auto addr = [](std::string_view v) { return reinterpret_cast<std::uintptr_t>(v.data()); };
  if (usage.size() < 2 || usage.front() != '{' || usage.back() != '}' || addr(usage) < addr(json_text) ||
      addr(usage) + usage.size() > addr(json_text) + json_text.size()) {
    return std::nullopt;
  }
  constexpr std::string_view kKey = "effective_context";
  if (usage.find('\\') != std::string_view::npos ||
      memmem(usage.data(), usage.size(), kKey.data(), kKey.size()) != nullptr) {
    return with_effective_context(json_text, tokens);
  }
  const std::size_t close = static_cast<std::size_t>(addr(usage) - addr(json_text)) + usage.size() - 1;
  const auto first = usage.find_first_not_of(" \t\r\n", 1);
  const bool empty = first == usage.size() - 1;
  char figure[24];
  const auto written = std::to_chars(figure, figure + sizeof figure, tokens).ptr;
  std::string out;
  out.reserve(json_text.size() + 48);
  out.append(json_text.substr(0, close));
  out += empty ? "\"effective_context\":" : ",\"effective_context\":";
  out.append(figure, written);
  out.append(json_text.substr(close));
  return out;
}

std::string sse_block_with_data(std::string_view raw, std::string_view event, std::string_view id,
                                std::string_view data, std::string_view new_data) {
  const auto addr = [](std::string_view v) { return reinterpret_cast<std::uintptr_t>(v.data()); };
  const bool inside = !data.empty() && addr(data) >= addr(raw) && addr(data) + data.size() <= addr(raw) + raw.size();
  std::string out;
  if (inside) {
    const auto at = static_cast<std::size_t>(data.data() - raw.data());
    out.reserve(raw.size() + new_data.size() - data.size());
    out.append(raw.substr(0, at));
    out.append(new_data);
    out.append(raw.substr(at + data.size()));
    return out;
  }
  if (!event.empty()) fmt::format_to(std::back_inserter(out), "event: {}\n", event);
  if (!id.empty()) fmt::format_to(std::back_inserter(out), "id: {}\n", id);
  // Several data lines were joined with '\n': the JSON may hold it as whitespace.
  for (std::size_t from = 0;;) {
    const std::size_t nl = new_data.find('\n', from);
    fmt::format_to(std::back_inserter(out), "data: {}\n", new_data.substr(from, nl - from));
    if (nl == std::string_view::npos) break;
    from = nl + 1;
  }
  out += '\n';
  return out;
}

}  // namespace aisbf
