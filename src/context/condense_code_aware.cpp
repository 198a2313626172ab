// code_aware: code outlives prose. In steps, each only while the request is
// still above the goal, oldest first within a step:
// 1. file contents a later version supersedes (an older read of a file that
//    is read again or rewritten whole later) become a one-line note;
// 2. outputs of tools that name no file (shell, tests, search) are cut to
//    head and tail;
// 3. the prose of text messages is cut to its first sentence, fenced code
//    blocks kept whole;
// 4. units with neither code nor file operations are dropped;
// 5. then units with code, except those holding the latest version of a file.
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include "context/condense_methods.hpp"
#include "context/condense_text.hpp"

namespace aisbf::context {

namespace {

constexpr std::size_t kHeadBytes = 1200;
constexpr std::size_t kTailBytes = 800;
constexpr std::size_t kProseBytes = 200;

struct FileCall {
  std::string path;
  bool whole_write = false;  // the arguments carry the file's full content
};

// The file a tool call works on, from the argument names agents' file tools
// use; nullopt for a call on no file.
std::optional<FileCall> file_call(const ToolCallBlock& call) {
  if (call.arguments_json.find("path") == std::string::npos && call.arguments_json.find("file") == std::string::npos) {
    return std::nullopt;  // most calls: no parse
  }
  boost::system::error_code ec;
  boost::json::value args = boost::json::parse(call.arguments_json, ec);
  if (ec || !args.is_object()) return std::nullopt;
  const auto& object = args.get_object();
  for (std::string_view key : {"path", "file_path", "filepath", "filename", "file", "target_file"}) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_string() || value->get_string().empty()) continue;
    FileCall out{std::string(value->get_string())};
    for (std::string_view body : {"content", "contents", "file_text"}) out.whole_write |= object.contains(body);
    return out;
  }
  return std::nullopt;
}

struct FileIndex {
  std::unordered_map<std::string, FileCall> calls;              // by call id
  std::vector<bool> latest;                                     // per message: holds the latest version of a file
  std::vector<std::pair<std::size_t, std::string>> superseded;  // (message, path) of older reads, in order
};

FileIndex index_files(const Conversation& c) {
  FileIndex index;
  index.latest.assign(c.size(), false);
  std::unordered_map<std::string, std::size_t> last_version;  // path → message
  std::vector<std::pair<std::size_t, std::string>> reads;
  for (std::size_t i = 0; i < c.size(); ++i) {
    for (const auto& block : c.message(i).content) {
      if (const auto* call = std::get_if<ToolCallBlock>(&block)) {
        auto file = file_call(*call);
        if (!file) continue;
        if (file->whole_write) last_version[file->path] = i;
        index.calls.emplace(call->id, std::move(*file));
      } else if (const auto* r = std::get_if<ToolResultBlock>(&block)) {
        auto it = index.calls.find(r->tool_call_id);
        if (it == index.calls.end() || it->second.whole_write) continue;
        last_version[it->second.path] = i;
        reads.emplace_back(i, it->second.path);
      }
    }
  }
  for (const auto& [path, i] : last_version) index.latest[i] = true;
  for (auto& [i, path] : reads) {
    if (last_version[path] != i) index.superseded.emplace_back(i, std::move(path));
  }
  return index;
}

void drop_superseded(Conversation& c, const FileIndex& files) {
  for (const auto& [i, path] : files.superseded) {
    if (c.fits()) return;
    rewrite_texts(c, i, Texts::results, [&](std::string_view, const ContentBlock&) -> std::optional<std::string> {
      return fmt::format("[aisbf condensed: an older version of {}; a later version follows]", path);
    });
  }
}

void shorten_other_outputs(Conversation& c, const FileIndex& files) {
  for (std::size_t i = 0; i < c.size() && !c.fits(); ++i) {
    rewrite_texts(c, i, Texts::results, [&](std::string_view text, const ContentBlock& block) {
      if (files.calls.contains(std::get<ToolResultBlock>(block).tool_call_id)) return std::optional<std::string>();
      return std::optional<std::string>(head_and_tail(text, kHeadBytes, kTailBytes));
    });
  }
}

std::string shorten_prose(std::string_view text) {
  std::string out;
  for (const auto& segment : split_fenced_code(text)) {
    if (segment.code) {
      out.append(segment.text);
      continue;
    }
    std::string sentence = first_sentence(segment.text, kProseBytes);
    if (sentence.empty()) continue;
    out += sentence;
    out += " […]\n";
  }
  return out;
}

void shorten_prose(Conversation& c) {
  for (std::size_t i = 0; i < c.size() && !c.fits(); ++i) {
    rewrite_texts(c, i, Texts::prose, [](std::string_view text, const ContentBlock&) -> std::optional<std::string> {
      std::string out = shorten_prose(text);
      if (out.size() >= text.size()) return std::nullopt;  // a one-sentence text, where the marker only adds
      return out;
    });
  }
}

bool unit_has_code(const Conversation& c, const Unit& unit, const FileIndex& files) {
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    for (const auto& block : c.message(i).content) {
      if (const auto* t = std::get_if<TextBlock>(&block); t != nullptr && has_fenced_code(t->text)) return true;
      if (const auto* call = std::get_if<ToolCallBlock>(&block); call != nullptr && files.calls.contains(call->id)) {
        return true;
      }
    }
  }
  return false;
}

bool unit_has_latest(const Unit& unit, const FileIndex& files) {
  for (std::size_t i = unit.begin; i < unit.end; ++i) {
    if (files.latest[i]) return true;
  }
  return false;
}

void drop_units(Conversation& c, const FileIndex& files) {
  UnitDropper dropper(c, "code_aware");
  const auto& units = c.units();
  for (std::size_t u = 0; u < units.size() && !c.fits(); ++u) {
    if (!unit_has_code(c, units[u], files)) dropper.drop(u);
  }
  for (std::size_t u = 0; u < units.size() && !c.fits(); ++u) {
    if (!unit_has_latest(units[u], files)) dropper.drop(u);
  }
}

}  // namespace

void condense_code_aware(Conversation& conversation) {
  FileIndex files = index_files(conversation);
  drop_superseded(conversation, files);
  shorten_other_outputs(conversation, files);
  shorten_prose(conversation);
  drop_units(conversation, files);
}

}  // namespace aisbf::context
