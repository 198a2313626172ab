// The usage OpenAI's image and audio answers report: a `usage` object of
// input, output and total tokens (gpt-image models, gpt-4o-transcribe,
// speech's `speech.audio.done` and transcription's `transcript.text.done`
// events). whisper's `{"type":"duration","seconds":…}` has no tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/usage_scan.hpp"

namespace aisbf {

// The usage of one JSON answer (or one SSE event's data); reported only
// when it has a usage object.
ScannedUsage media_usage(std::string_view json);

// Watches an answer relayed piece by piece, keeping only its end: its
// usage once it is over (a JSON body read whole when small, else the last
// SSE event's data). Bounded: an audio file passes without being held.
class MediaUsageTail {
 public:
  static constexpr std::size_t kKept = 64 * 1024;
  void add(std::string_view piece);
  ScannedUsage usage(bool sse) const;

 private:
  std::string tail_;
  std::size_t total_ = 0;
};

}  // namespace aisbf
