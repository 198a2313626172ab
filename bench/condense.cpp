// The local condensation methods on a 100k-token conversation (issue 10:
// < 30 ms each, counting included). The conversation is a coding agent's
// history built from this repository: the user asks, the agent reads source
// files (the real files of src/), edits them, runs builds and tests whose
// logs are long and repetitive, and answers with prose and code blocks
// (`long_reads`, ~130 messages); or works in many short steps, greps and
// one-line edits (`short_steps`, ~800 messages).
// Counted with the real cl100k counter; the goal is half the prompt.
// Run: build/bench-condense [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "context/condense.hpp"
#include "context/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace aisbf;
using namespace aisbf::context;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::vector<fs::path> source_files() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(AISBF_SOURCE_DIR) / "src")) {
    if (entry.path().extension() == ".cpp" && !entry.path().string().ends_with("_test.cpp")) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Message text(Role role, std::string body) { return Message{role, {TextBlock{std::move(body)}}, {}}; }

std::string build_log(int step) {
  std::string out;
  for (int i = 1; i <= 120; ++i) {
    out += "[" + std::to_string(i) + "/120] Building CXX object CMakeFiles/aisbf_logic.dir/src/module" +
           std::to_string(i % 17) + ".cpp.o\n";
  }
  out += step % 3 == 0 ? "FAILED: src/context/condense.cpp:42: error: expected ';'\n" : "ninja: build finished\n";
  return out;
}

// One agent step: a tool call and its result.
void tool_step(std::vector<Message>& m, int& id, std::string name, std::string args, std::string output) {
  std::string call_id = "call_" + std::to_string(id++);
  m.push_back(Message{Role::assistant, {ToolCallBlock{call_id, std::move(name), std::move(args)}}, {}});
  m.push_back(Message{Role::tool, {ToolResultBlock{call_id, std::move(output), false}}, {}});
}

// Short steps (a grep, a one-line edit), ~800 messages for 100k tokens:
// what would show a cost per message or per tool pair.
void short_steps(std::vector<Message>& m, int& id, const std::string& rel, std::size_t turn) {
  for (int s = 0; s < 6; ++s) {
    std::string grep;
    for (int line = 1; line <= 8; ++line) {
      grep += rel + ":" + std::to_string(line * 13 + s) + ": return make_error(ErrorKind::invalid, \"step " +
              std::to_string(turn) + "\");\n";
    }
    tool_step(m, id, "grep", R"({"pattern":"make_error","path":"src/"})", grep);
    tool_step(m, id, "edit_file", R"({"path":")" + rel + R"(","old":"a","new":"b"})", "ok");
    m.push_back(text(Role::assistant, "Step " + std::to_string(s) + " of " + rel + " done; next, the callers."));
  }
}

ChatRequest agent_history(const TokenCounter& count, std::int64_t tokens, bool many_steps) {
  auto files = source_files();
  ChatRequest r;
  r.model = "gpt-4o";
  r.max_tokens = 4096;
  r.tools.push_back(ToolDefinition{"read_file", "Reads a file of the workspace", boost::json::value()});
  r.messages.push_back(text(Role::system, "You are a coding agent working in the aisbf repository. Be precise."));
  int id = 0;
  std::int64_t size = count.request(r);
  for (std::size_t turn = 0; size < tokens; ++turn) {
    const fs::path& file = files[(turn * 7) % files.size()];
    std::string rel = fs::relative(file, AISBF_SOURCE_DIR).string();
    std::size_t first = r.messages.size();
    r.messages.push_back(text(Role::user, "Look at " + rel +
                                              " and make its error handling consistent. Why does it "
                                              "differ from the other modules?"));
    if (many_steps) {
      short_steps(r.messages, id, rel, turn);
    } else {
      tool_step(r.messages, id, "read_file", R"({"path":")" + rel + R"("})", read_file(file));
    }
    r.messages.push_back(text(Role::assistant,
                              "The file returns errors in two styles. I will unify them.\n```cpp\n"
                              "if (!result) return result.error();\n```\nThen rebuild."));
    tool_step(r.messages, id, "run_shell", R"({"cmd":"cmake --build build"})", build_log(static_cast<int>(turn)));
    if (!many_steps) {
      tool_step(r.messages, id, "run_shell", R"({"cmd":"ctest -R context"})", build_log(static_cast<int>(turn) + 1));
    }
    if (!many_steps && turn % 4 == 1)
      tool_step(r.messages, id, "read_file", R"({"path":")" + rel + R"("})", read_file(file));
    r.messages.push_back(text(Role::assistant, "Done: " + rel + " now returns errors as values, and the tests pass."));
    for (std::size_t i = first; i < r.messages.size(); ++i) size += count.message(r.messages[i]);
  }
  r.messages.push_back(text(Role::user, "Now summarise what changed in src/context/condense.cpp and src/pipeline."));
  return r;
}

const ChatRequest& history(const TokenCounter& count, bool many_steps) {
  static const ChatRequest long_reads = agent_history(count, 100'000, false);
  static const ChatRequest short_steps = agent_history(count, 100'000, true);
  return many_steps ? short_steps : long_reads;
}

// The cl100k tokenizer, or nullptr with the benchmark skipped.
const Tokenizer* cl100k(benchmark::State& state) {
  auto tokenizer = tokenizer_for(Encoding::cl100k_base);
  if (tokenizer) return *tokenizer;
  state.SkipWithError(tokenizer.error().message.c_str());
  return nullptr;
}

void condense(benchmark::State& state, CondenseMethod method, bool many_steps) {
  const Tokenizer* tokenizer = cl100k(state);
  if (tokenizer == nullptr) return;
  ChatTokenCounter count(*tokenizer);
  const ChatRequest& request = history(count, many_steps);
  const std::int64_t before = count.request(request);
  const CondenseGoal goal{before / 2};
  auto once = condense_locally(method, request, goal, count);
  const std::int64_t after = once ? count.request(*once) : before;
  for (auto _ : state) {
    auto out = condense_locally(method, request, goal, count);
    benchmark::DoNotOptimize(out);
  }
  state.counters["before"] = static_cast<double>(before);
  state.counters["goal"] = static_cast<double>(goal.max_prompt_tokens);
  state.counters["after"] = static_cast<double>(after);
  state.counters["messages"] = static_cast<double>(request.messages.size());
}

// The floor: counting the request once, which every method does first.
void count_only(benchmark::State& state, bool many_steps) {
  const Tokenizer* tokenizer = cl100k(state);
  if (tokenizer == nullptr) return;
  ChatTokenCounter count(*tokenizer);
  const ChatRequest& request = history(count, many_steps);
  for (auto _ : state) benchmark::DoNotOptimize(count.request(request));
}

}  // namespace

int main(int argc, char** argv) {
  for (bool many_steps : {false, true}) {
    benchmark::RegisterBenchmark(many_steps ? "count_only/short_steps" : "count_only/long_reads", count_only,
                                 many_steps)
        ->Unit(benchmark::kMillisecond);
  }
  for (auto method : {CondenseMethod::hierarchical, CondenseMethod::algorithmic, CondenseMethod::sliding_window,
                      CondenseMethod::importance_based, CondenseMethod::entity_aware, CondenseMethod::code_aware}) {
    for (bool many_steps : {false, true}) {
      std::string name = std::string(condense_method_name(method)) + (many_steps ? "/short_steps" : "/long_reads");
      benchmark::RegisterBenchmark(name.c_str(), condense, method, many_steps)->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
