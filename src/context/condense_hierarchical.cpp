// hierarchical: the system messages, the first turn (the first user message
// and the reply to it) and the most recent units stay as they are; the
// middle becomes phase summaries, oldest phase first, until the request
// fits. A phase is a user turn, or at most kPhaseUnits units of one; its
// summary is labelled and holds one extract line per message it replaces.
#include <fmt/format.h>

#include "context/condense_methods.hpp"

namespace aisbf::context {

namespace {

constexpr std::size_t kRecentUnits = 4;
constexpr std::size_t kPhaseUnits = 8;

struct Phase {
  std::size_t first = 0;  // unit indices, inclusive
  std::size_t last = 0;
};

std::vector<bool> kept_units(const Conversation& conversation) {
  const auto& units = conversation.units();
  std::vector<bool> keep(units.size(), false);
  bool first_turn_seen = false;
  for (std::size_t u = 0; u < units.size(); ++u) {
    keep[u] = keep[u] || conversation.unit_protected(units[u]) || u + kRecentUnits >= units.size();
    if (!first_turn_seen && conversation.message(units[u].begin).role == Role::user) {
      first_turn_seen = true;
      keep[u] = true;
      if (u + 1 < units.size()) keep[u + 1] = true;
    }
  }
  return keep;
}

std::vector<Phase> find_phases(const Conversation& conversation) {
  const auto& units = conversation.units();
  std::vector<bool> keep = kept_units(conversation);
  std::vector<Phase> phases;
  bool open = false;
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (keep[u]) {
      open = false;
      continue;
    }
    bool new_turn = conversation.message(units[u].begin).role == Role::user;
    if (open && !new_turn && u - phases.back().first < kPhaseUnits) {
      phases.back().last = u;
    } else {
      phases.push_back({u, u});
      open = true;
    }
  }
  return phases;
}

void summarise(Conversation& conversation, const Phase& phase, std::size_t number) {
  const auto& units = conversation.units();
  std::size_t begin = units[phase.first].begin, end = units[phase.last].end;
  std::string text = fmt::format("[aisbf condensed by hierarchical: phase {}, {} message{}, first sentences]", number,
                                 end - begin, end - begin == 1 ? "" : "s");
  std::int64_t cut = 0;
  for (std::size_t i = begin; i < end; ++i) {
    text += "\n" + message_extract(conversation.message(i));
    cut += conversation.tokens(i);
  }
  conversation.insert_before(begin, text_message(inserted_role(conversation, begin), std::move(text)));
  if (conversation.insert_tokens(begin) >= cut) {  // a summary no shorter than the phase
    conversation.remove_insert(begin);
    return;
  }
  for (std::size_t i = begin; i < end; ++i) conversation.drop(i);
}

}  // namespace

void condense_hierarchical(Conversation& conversation) {
  std::vector<Phase> phases = find_phases(conversation);
  for (std::size_t p = 0; p < phases.size() && !conversation.fits(); ++p) summarise(conversation, phases[p], p + 1);
}

}  // namespace aisbf::context
