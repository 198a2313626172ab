// Helpers shared by the Ollama codec tests (header only, tests only).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "providers/ollama/ollama_adapter.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::ollama::ollama_test {

using Events = std::vector<StreamEvent>;

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/ollama/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct StreamRun {
  Events events;
  std::optional<GatewayError> error;
};

inline StreamRun run_stream(const std::vector<std::string>& input) {
  StreamRun run;
  auto decoder = OllamaAdapter{}.make_stream_decoder();
  for (const auto& line : input) {
    auto r = decoder->on_event("", line);
    if (!r) return {std::move(run.events), r.error()};
    run.events.insert(run.events.end(), r->begin(), r->end());
  }
  auto end = decoder->on_end();
  if (!end) run.error = end.error();
  return run;
}

template <class T>
std::vector<T> only(const Events& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}

}  // namespace aisbf::ollama::ollama_test
