// chat_in_process and the response sinks against a real upstream: the
// aisbf-mock binary built beside this test (skipped when it is missing),
// started on a free loopback port.
#include "pipeline/chat_call.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>

#include "pipeline/chat_pipeline.hpp"
#include "pipeline/count_pool.hpp"
#include "pipeline/gateway_state.hpp"
#include "pipeline/prompt_tokens.hpp"
#include "pipeline/ingress.hpp"
#include "pipeline/response_sink.hpp"
#include "pipeline/sent_prompt.hpp"
#include "routing/rotation.hpp"

namespace aisbf {
namespace {

namespace fs = std::filesystem;

// aisbf-mock on port 0: its first stdout line says where it listens.
class MockUpstream {
 public:
  MockUpstream() {
    const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path() / "aisbf-mock";
    if (!fs::exists(bin)) return;
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no mock behind
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::execl(bin.c_str(), "aisbf-mock", "--host", "127.0.0.1", "--port", "0", "--api-key", "mock-key", nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (line.size() < 256 && ::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("LISTENING ", 0) == 0) url_ = line.substr(10);
  }
  ~MockUpstream() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

class ChatCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (mock_.url().empty()) GTEST_SKIP() << "aisbf-mock not found beside the test binary";
    char tmpl[] = "/tmp/aisbf-chat-call-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    write("aisbf.json", R"({"server":{"host":"127.0.0.1","port":17765},"routing":{"seed":7}})");
    write("providers.json", R"({"providers":{"mock":{"id":"mock","name":"Mock","type":"openai","endpoint":")" +
                                mock_.url() + R"(/v1","api_key":"mock-key","api_key_required":true,"rate_limit":0,
        "models":[{"name":"mock-model","context_size":1000},{"name":"fault-500","context_size":1000},
                  {"name":"fault-400","context_size":1000}]},
      "tpm":{"id":"tpm","name":"Windows","type":"openai","endpoint":")" +
                                mock_.url() + R"(/v1","api_key":"mock-key","api_key_required":true,"rate_limit":0,
        "models":[{"name":"mock-model","context_size":1000,"rate_limit_TPM":100000},
                  {"name":"fault-500","context_size":1000,"rate_limit_TPM":100000}]},
      "split":{"id":"split","name":"Split","type":"openai","endpoint":")" +
                                mock_.url() + R"(/v1","api_key":"mock-key","api_key_required":true,"rate_limit":0,
        "models":[{"name":"mock-model","context_size":100000,"max_request_tokens":20000},
                  {"name":"fault-500","context_size":100000,"max_request_tokens":20000}]},
      "anth":{"id":"anth","name":"Anthropic","type":"anthropic","endpoint":")" +
                                mock_.url() + R"(/v1","api_key":"mock-key","api_key_required":true,"rate_limit":0,
        "models":[{"name":"claude-mock","context_size":100000}]}}})");
    write("rotations.json", R"({"rotations":{"rot":{"providers":[{"provider_id":"mock","models":[
        {"name":"fault-500","weight":1000},{"name":"mock-model","weight":1}]}]},
      "tpmrot":{"providers":[{"provider_id":"tpm","models":[
        {"name":"fault-500","weight":1000},{"name":"mock-model","weight":1}]}]},
      "splitrot":{"providers":[{"provider_id":"split","models":[
        {"name":"fault-500","weight":1000},{"name":"mock-model","weight":1}]}]}}})");
    write("autoselect.json", "{}");
    auto loaded = load_config(dir_);
    ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics.front().message);
    ctx_.routes = std::make_shared<const routing::RoutingTable>(loaded.config);
    ctx_.config = loaded.config;
    state_ = GatewayState::in_process(1);
    ctx_.state = state_.get();
    ctx_.request_id = "test-1";
    ctx_.started = std::chrono::steady_clock::now();
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void write(const char* name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  // Runs `make(pool)` on a fresh io_context until it is done.
  template <class Make>
  auto run(Make make) {
    boost::asio::io_context io;
    boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
    http::UpstreamPool pool(io, tls);
    using Result = typename decltype(make(pool))::value_type;
    std::optional<Result> result;
    // Through a wrapper: co_spawn wants a default-constructible result.
    // Idle upstream connections closed at the end, so that the loop runs out of work.
    auto body = [&]() -> boost::asio::awaitable<void> {
      result.emplace(co_await make(pool));
      pool.close_idle();
    };
    boost::asio::co_spawn(io, body(), [](std::exception_ptr e) { EXPECT_FALSE(e); });
    io.run_for(std::chrono::seconds(20));
    EXPECT_TRUE(result.has_value());
    return result;
  }

  static ChatRequest ask(std::string model, std::string text) {
    ChatRequest r;
    r.model = std::move(model);
    r.messages.push_back(Message{Role::user, {TextBlock{std::move(text)}}, {}});
    return r;
  }

  static std::string text_of(const ChatResponse& r) {
    std::string out;
    for (const auto& b : r.message.content) {
      if (const auto* t = std::get_if<TextBlock>(&b)) out += t->text;
    }
    return out;
  }

  // Words twice kPoolCountBytes long: a prompt the count pool takes.
  static std::string large_words() {
    std::string words;
    for (int i = 0; words.size() < 2 * kPoolCountBytes; ++i) words += "word" + std::to_string(i % 1000) + " ";
    return words;
  }

  // A one-message OpenAI request of large_words() to `model`.
  RecordedResponse serve_large(const std::string& model) {
    return serve_openai(R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + large_words() +
                        R"("}]})");
  }

  // An OpenAI chat body served from a client: what the client got.
  RecordedResponse serve_openai(std::string body) {
    http::Request req{boost::beast::http::verb::post, "/v1/chat/completions", 11};
    req.body() = std::move(body);
    RecordingSink client;
    ctx_.format = IngressFormat::openai_chat;
    ctx_.deadline = {};
    auto done = run([&](http::UpstreamPool& pool) -> boost::asio::awaitable<bool> {
      co_await serve_chat_to({req, pool, client, nullptr}, ctx_, {});
      co_return true;
    });
    EXPECT_TRUE(done && *done);
    return client.recorded();
  }

  MockUpstream mock_;
  fs::path dir_;
  std::unique_ptr<GatewayState> state_;
  RequestContext ctx_;
};

class RecordingEvents final : public CanonicalEventSink {
 public:
  boost::asio::awaitable<bool> on_event(const StreamEvent& event) override {
    events.push_back(event);
    co_return true;
  }
  std::vector<StreamEvent> events;
};

TEST_F(ChatCallTest, WholeAnswerFromADirectModel) {
  const auto request = ask("mock/mock-model", "hello in process");
  auto result = run([&](http::UpstreamPool& pool) { return chat_in_process(request, ctx_, {pool, {}, nullptr}); });
  ASSERT_TRUE(result && result->has_value()) << (result && !result->has_value() ? result->error().message : "");
  EXPECT_EQ(text_of(**result), "You said: hello in process");
  EXPECT_EQ((*result)->finish_reason, FinishReason::stop);
  ASSERT_TRUE((*result)->usage.has_value());
  EXPECT_GT((*result)->usage->completion_tokens, 0);
}

TEST_F(ChatCallTest, StreamedEventsFoldIntoTheAnswer) {
  const auto request = ask("mock/mock-model", "one two three four five six seven eight nine ten eleven twelve");
  RecordingEvents events;
  auto result = run([&](http::UpstreamPool& pool) { return chat_in_process(request, ctx_, {pool, {}, &events}); });
  ASSERT_TRUE(result && result->has_value()) << (result && !result->has_value() ? result->error().message : "");
  std::string streamed;
  int deltas = 0;
  for (const auto& ev : events.events) {
    if (const auto* t = std::get_if<TextDelta>(&ev)) {
      streamed += t->text;
      ++deltas;
    }
  }
  EXPECT_GT(deltas, 1);  // the mock sends ≤ 24 bytes per event
  EXPECT_EQ(streamed, "You said: one two three four five six seven eight nine ten eleven twelve");
  EXPECT_EQ(text_of(**result), streamed);
  EXPECT_EQ((*result)->finish_reason, FinishReason::stop);
}

TEST_F(ChatCallTest, ARotationFailsOverLikeTheHttpPath) {
  const auto request = ask("rotation/rot", "failover");
  auto result = run([&](http::UpstreamPool& pool) { return chat_in_process(request, ctx_, {pool, {}, nullptr}); });
  ASSERT_TRUE(result && result->has_value()) << (result && !result->has_value() ? result->error().message : "");
  EXPECT_EQ(text_of(**result), "You said: failover");
  // fault-500 (weight 1000) first, then mock-model: the loop's own bookkeeping says so.
  const HeaderList expected{{"x-aisbf-target", "mock/mock-model"}, {"x-aisbf-attempts", "2"}};
  EXPECT_EQ(ctx_.response_headers, expected);
}

TEST_F(ChatCallTest, TheRequestsErrorComesBackAsAValue) {
  const auto request = ask("mock/fault-400", "bad");
  auto result = run([&](http::UpstreamPool& pool) { return chat_in_process(request, ctx_, {pool, {}, nullptr}); });
  ASSERT_TRUE(result && !result->has_value());
  EXPECT_EQ(result->error().status, 400);
  auto unknown = run([&](http::UpstreamPool& pool) {
    return chat_in_process(ask("nosuch/model", "x"), ctx_, {pool, {}, nullptr});
  });
  ASSERT_TRUE(unknown && !unknown->has_value());
  EXPECT_EQ(unknown->error().status, 404);
}

// The prompt is tokenized once per request (and encoding) at most, now
// that every answer's usage carries effective_context: the count a token
// window made serves the answer too, a rotation's second attempt reuses the
// first's, and a stream whose answer has no usage (no include_usage) with
// recording and quotas off counts nothing at all.
TEST_F(ChatCallTest, PromptsAreCountedOncePerRequestAndOnlyWhenWanted) {
  auto serve = [&](std::string_view model, bool stream = false) {
    const RecordedResponse got = serve_openai(R"({"model":")" + std::string(model) + R"(","stream":)" +
                                              (stream ? "true" : "false") +
                                              R"(,"messages":[{"role":"user","content":"count me"}]})");
    EXPECT_EQ(got.status, 200) << got.body;
    return got.body;
  };
  const auto before = prompt_tokenizations();
  serve("mock/mock-model", true);  // no usage in the answer, none recorded
  EXPECT_EQ(prompt_tokenizations(), before);
  const std::string body = serve("mock/mock-model");
  EXPECT_EQ(prompt_tokenizations(), before + 1);
  EXPECT_NE(body.find(R"(,"effective_context":)"), std::string::npos) << body;
  serve("rotation/rot");  // fault-500 answers no usage: the one count is mock-model's
  EXPECT_EQ(prompt_tokenizations(), before + 2);
  serve("tpm/mock-model");  // the window's count is the answer's figure
  EXPECT_EQ(prompt_tokenizations(), before + 3);
  serve("rotation/tpmrot");  // fault-500, then mock-model: one count for both claims and the answer
  EXPECT_EQ(prompt_tokenizations(), before + 4);
  // Translated: a stream whose usage the client does not see counts nothing
  // either, though the upstream reports usage; one the client sees is counted.
  serve("anth/claude-mock", true);
  EXPECT_EQ(prompt_tokenizations(), before + 4);
  const std::string translated = serve("anth/claude-mock");
  EXPECT_EQ(prompt_tokenizations(), before + 5);
  EXPECT_NE(translated.find(R"("effective_context":)"), std::string::npos) << translated;
}

// A prompt past kPoolCountBytes is counted on the count pool, not on the
// event loop, and its figure is the count of the same request made here.
TEST_F(ChatCallTest, ALargePromptIsCountedOnThePool) {
  const std::string words = large_words();
  for (const bool stream : {false, true}) {
    const std::string options = stream ? R"("stream":true,"stream_options":{"include_usage":true},)" : "";
    const std::string body =
        R"({"model":"mock/mock-model",)" + options + R"("messages":[{"role":"user","content":")" + words + R"("}]})";
    const auto pooled = pooled_prompt_counts();
    const RecordedResponse got = serve_openai(body);
    EXPECT_EQ(pooled_prompt_counts(), pooled + 1);
    ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
    auto decoded = ingress_codec(IngressFormat::openai_chat).decode_request(body);
    ASSERT_TRUE(decoded.has_value());
    const std::int64_t want = count_prompt(context::Encoding::cl100k_base, &*decoded, {});
    EXPECT_GT(want, 10000);
    EXPECT_NE(got.body.find(R"("effective_context":)" + std::to_string(want) + "}"), std::string::npos)
        << got.body.substr(got.body.size() > 400 ? got.body.size() - 400 : 0);
  }
}

// A rotation's attempts share the job's count on the pool: the second
// awaits the count the first posted (the first failed with a 500 before its
// answer wanted the figure) instead of posting another.
TEST_F(ChatCallTest, AFailoverAwaitsTheCountTheFirstAttemptPosted) {
  const auto pooled = pooled_prompt_counts();
  const auto submitted = state_->counts->submitted();
  const RecordedResponse got = serve_large("rotation/rot");
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  EXPECT_EQ(state_->counts->submitted(), submitted + 1);
  EXPECT_EQ(pooled_prompt_counts(), pooled + 1);
  EXPECT_NE(got.body.find(R"("effective_context":)"), std::string::npos);
}

// A large request over max_request_tokens is counted and split on the pool,
// once: the failover to the next candidate (same limit, same encoding)
// reuses the split the first attempt made.
TEST_F(ChatCallTest, ALargeSplitIsMadeOnThePoolOncePerJob) {
  const auto submitted = state_->counts->submitted();
  const auto pooled = pooled_prompt_counts();
  const RecordedResponse got = serve_large("rotation/splitrot");
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  EXPECT_NE(got.body.find(R"("aisbf_chunked":true)"), std::string::npos) << got.body.substr(0, 300);
  EXPECT_EQ(state_->counts->submitted(), submitted + 1);  // the split, with its count; nothing else
  EXPECT_EQ(pooled_prompt_counts(), pooled);                // no separate prompt count
  const HeaderList& headers = ctx_.response_headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(), std::pair<std::string, std::string>{"x-aisbf-attempts", "2"}),
            headers.end());
}

}  // namespace
}  // namespace aisbf
