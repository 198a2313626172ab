#include "pipeline/provider_probe.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aisbf {
namespace {

namespace json = boost::json;

TEST(ProviderProbe, WithoutSecretMasksEveryOccurrenceOfTheKey) {
  const std::string key = "sk-live-0123456789abcdef";
  const std::string out = without_secret("bad key " + key + " (again: " + key + ")", key);
  EXPECT_EQ(out.find(key), std::string::npos) << out;
  EXPECT_NE(out.find("bad key "), std::string::npos);
  EXPECT_EQ(without_secret("no key here", key), "no key here");
  // A key too short to tell from text is left alone (it would mask words).
  EXPECT_EQ(without_secret("the abc said", "abc"), "the abc said");
}

TEST(ProviderProbe, ReportSaysWhatRanHowLongAndWhatFailed) {
  ProbeReport report;
  report.models.ran = true;
  report.models.latency_ms = 12.345;
  report.models.models = {ProviderModel{"m1", "", {}, {}, {}, {}, {}}, ProviderModel{"m2", "", {}, {}, {}, {}, {}}};
  report.chat.ran = true;
  report.chat.model = "m1";
  report.chat.latency_ms = 40;
  report.chat.error = make_error(ErrorKind::upstream_timeout, "provider 'p' did not answer in time", "timeout");
  const json::value doc = json::parse(probe_report_json(report, "p"));
  EXPECT_FALSE(doc.at("ok").as_bool());
  EXPECT_EQ(doc.at("provider").as_string(), "p");
  EXPECT_TRUE(doc.at("models").at("ok").as_bool());
  EXPECT_EQ(doc.at("models").at("count").as_int64(), 2);
  EXPECT_DOUBLE_EQ(doc.at("models").at("latency_ms").as_double(), 12.3);
  EXPECT_FALSE(doc.at("chat").at("ok").as_bool());
  EXPECT_EQ(doc.at("chat").at("model").as_string(), "m1");
  EXPECT_EQ(doc.at("chat").at("error").at("code").as_string(), "timeout");
  EXPECT_EQ(doc.at("chat").at("error").at("status").as_int64(), 504);
  EXPECT_FALSE(doc.at("chat").as_object().contains("reply"));

  ProbeReport skipped;
  skipped.models.skipped = "no list";
  skipped.chat.ran = true;
  skipped.chat.model = "m";
  skipped.chat.reply = "OK";
  const json::value ok = json::parse(probe_report_json(skipped, "p"));
  EXPECT_TRUE(ok.at("ok").as_bool());
  EXPECT_TRUE(ok.at("models").at("ok").is_null());
  EXPECT_EQ(ok.at("models").at("skipped").as_string(), "no list");
  EXPECT_EQ(ok.at("chat").at("reply").as_string(), "OK");
  EXPECT_FALSE(ProbeReport{}.ok());  // nothing ran: nothing was shown to work
}

TEST(ProviderProbe, UpstreamModelsCarryTheirMetadataAndWhetherConfigured) {
  ProviderConfig provider;
  provider.models.push_back(ModelConfig{.name = "known"});
  ModelsProbe probe;
  probe.ran = true;
  probe.latency_ms = 5;
  ProviderModel rich{"known", "Known model", 128000, 4096, 0.0000025, 0.00001, {"vision", "function_calling"}};
  probe.models = {rich, ProviderModel{"bare", "", {}, {}, {}, {}, {}}};
  const json::value doc = json::parse(upstream_models_json(probe, provider, "p"));
  const auto& data = doc.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("name").as_string(), "Known model");
  EXPECT_EQ(data[0].at("context_size").as_int64(), 128000);
  EXPECT_EQ(data[0].at("max_output_tokens").as_int64(), 4096);
  EXPECT_DOUBLE_EQ(data[0].at("pricing").at("prompt").as_double(), 0.0000025);
  EXPECT_EQ(data[0].at("capabilities").as_array().size(), 2u);
  EXPECT_TRUE(data[0].at("configured").as_bool());
  EXPECT_FALSE(data[1].at("configured").as_bool());
  EXPECT_FALSE(data[1].as_object().contains("pricing"));
  EXPECT_FALSE(data[1].as_object().contains("context_size"));
}

TEST(ProviderProbe, ALongListIsCutAndSaysSo) {
  ModelsProbe probe;
  probe.ran = true;
  for (int i = 0; i < 5; ++i) probe.models.push_back(ProviderModel{"m" + std::to_string(i), "", {}, {}, {}, {}, {}});
  cap_models(probe, 3);
  EXPECT_EQ(probe.models.size(), 3u);
  EXPECT_EQ(probe.listed, 5u);
  EXPECT_TRUE(probe.truncated);
  const json::value doc = json::parse(upstream_models_json(probe, ProviderConfig{}, "p"));
  EXPECT_EQ(doc.at("data").as_array().size(), 3u);
  EXPECT_TRUE(doc.at("truncated").as_bool());
  EXPECT_EQ(doc.at("total").as_int64(), 5);
  ProbeReport report;
  report.models = probe;
  EXPECT_EQ(json::parse(probe_report_json(report, "p")).at("models").at("count").as_int64(), 5);

  ModelsProbe short_list;
  short_list.models = {ProviderModel{"a", "", {}, {}, {}, {}, {}}};
  cap_models(short_list, 3);
  EXPECT_FALSE(short_list.truncated);
  EXPECT_FALSE(json::parse(upstream_models_json(short_list, ProviderConfig{}, "p")).as_object().contains("truncated"));
  EXPECT_EQ(kMaxModelsShown, 2000u);
}

TEST(ProviderProbe, SlotsAreBoundedPerNamespaceAndFreedWhenDropped) {
  ProbeSlots slots(2);
  auto a1 = slots.try_take("alice");
  auto a2 = slots.try_take("alice");
  ASSERT_TRUE(a1);
  ASSERT_TRUE(a2);
  EXPECT_FALSE(slots.try_take("alice"));  // a third waits for one to end
  EXPECT_TRUE(slots.try_take("bob"));     // another namespace is not held up (and is freed at once)
  EXPECT_TRUE(slots.try_take(""));        // nor is the gateway's
  EXPECT_EQ(slots.in_flight("alice"), 2u);
  EXPECT_EQ(slots.in_flight("bob"), 0u);
  {
    ProbeSlots::Slot moved = std::move(a1);
    EXPECT_FALSE(a1);  // NOLINT(bugprone-use-after-move): the moved-from slot holds nothing
    EXPECT_EQ(slots.in_flight("alice"), 2u);
  }
  EXPECT_EQ(slots.in_flight("alice"), 1u);
  auto a3 = slots.try_take("alice");
  EXPECT_TRUE(a3);
  a3 = ProbeSlots::Slot();
  a2 = ProbeSlots::Slot();
  EXPECT_EQ(slots.in_flight("alice"), 0u);
}

}  // namespace
}  // namespace aisbf
