#include "mcp/protocol.hpp"

#include <gtest/gtest.h>

namespace aisbf::mcp {
namespace {

TEST(McpProtocol, NegotiatesTheRequestedRevisionWhenSpokenElseTheNewest) {
  for (auto r : kRevisions) EXPECT_EQ(negotiate(r), r);
  EXPECT_EQ(kLatestRevision, "2025-11-25");
  EXPECT_EQ(negotiate("2026-07-28"), kLatestRevision);  // newer than aisbf: its newest, the client decides
  EXPECT_EQ(negotiate("2024-10-07"), kLatestRevision);  // older than any it speaks
  EXPECT_EQ(negotiate(""), kLatestRevision);
  EXPECT_TRUE(is_supported("2025-06-18"));
  EXPECT_FALSE(is_supported("2025-06-19"));
}

TEST(McpProtocol, BatchesOnlyBefore20250618) {
  EXPECT_TRUE(allows_batch("2024-11-05"));
  EXPECT_TRUE(allows_batch("2025-03-26"));
  EXPECT_FALSE(allows_batch("2025-06-18"));
  EXPECT_FALSE(allows_batch("2025-11-25"));
}

TEST(McpProtocol, InitializeResultNamesRevisionCapabilitiesAndServer) {
  const auto result = initialize_result("2025-06-18", {"aisbf", "1.2.3", "hello"});
  EXPECT_EQ(result.at("protocolVersion").as_string(), "2025-06-18");
  EXPECT_TRUE(result.at("capabilities").at("tools").is_object());
  EXPECT_TRUE(result.at("capabilities").at("resources").is_object());
  EXPECT_TRUE(result.at("capabilities").at("prompts").is_object());
  EXPECT_EQ(result.at("serverInfo").at("name").as_string(), "aisbf");
  EXPECT_EQ(result.at("serverInfo").at("version").as_string(), "1.2.3");
  EXPECT_EQ(result.at("instructions").as_string(), "hello");
  EXPECT_FALSE(initialize_result("2025-06-18", {"aisbf", "1", ""}).contains("instructions"));
}

}  // namespace
}  // namespace aisbf::mcp
