// Helpers for the OpenAI ingress tests: fixtures and reading back SSE output.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ingress_codec.hpp"

#ifndef AISBF_SOURCE_DIR
#define AISBF_SOURCE_DIR "."
#endif

namespace aisbf::api::openai_ingress::test {

// tests/fixtures/<path>, e.g. "anthropic/stream_text.sse".
inline std::string fixture_file(const std::string& path) {
  std::ifstream in(std::string(AISBF_SOURCE_DIR) + "/tests/fixtures/" + path, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fixture(const std::string& name) { return fixture_file("openai_ingress/" + name); }

// The payload of each `data: …\n\n` event, checking the framing on the way.
inline std::vector<std::string> sse_payloads(const std::string& stream) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t end = stream.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    std::string event = stream.substr(pos, end - pos);
    EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
    EXPECT_EQ(event.find('\n'), std::string::npos) << "one line per event: " << event;
    out.push_back(event.substr(6));
    pos = end + 2;
  }
  return out;
}

// Every event through one encoder, then on_end.
inline std::string encode_stream(const IngressCodec& codec, const EgressContext& context,
                                 const std::vector<StreamEvent>& events,
                                 const std::optional<GatewayError>& error = std::nullopt) {
  auto encoder = codec.make_stream_encoder(context);
  std::string out;
  for (const auto& event : events) out += encoder->on_event(event);
  out += encoder->on_end(error);
  return out;
}

}  // namespace aisbf::api::openai_ingress::test
