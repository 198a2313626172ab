// The contract between the plain reply logic (api.cpp and the protocol files) and
// the I/O layer (server.cpp): a request as seen by the logic, and a Plan that
// says what to send and how (including injected faults).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisbf_mock {

struct RequestView {
  std::string_view method;
  std::string_view target;         // path and query, as sent
  std::string_view authorization;  // Authorization header value, empty if absent
  std::string_view headers;        // every header as received, "Name: value\r\n" lines
  std::string_view body;
};

// What the I/O layer does besides writing the reply.
enum class Behaviour : std::uint8_t {
  normal,
  close_silently,    // close the connection without writing anything
  hang,              // write nothing; wait until the client closes
  hang_after_first,  // write the head and the first event (stream) or the head only, then hang
  cut,               // write the head and part of the reply, then close
};

struct Plan {
  int status = 200;
  std::string_view content_type = "application/json";
  std::string extra_headers;        // complete "Name: value\r\n" lines
  bool stream = false;              // chunked body made of `events` (SSE events or NDJSON lines)
  std::string body;                 // the body when !stream
  std::vector<std::string> events;  // each written as one chunk, e.g. a complete "data: ...\n\n"
  Behaviour behaviour = Behaviour::normal;
  unsigned delay_ms = 0;            // stream: pause before each event after the first; else before the reply
  std::size_t cut_after_events = 3; // stream + Behaviour::cut: events sent before closing
  std::size_t hold_after_events = 0; // stream, fault-hold: events sent before waiting for /__mock/release; 0: none
  std::string fault;                // the fault applied ("fault-500"), empty if none; recorded

  // Clears for the next request, keeping the buffers' capacity.
  void reset() {
    status = 200;
    content_type = "application/json";
    extra_headers.clear();
    stream = false;
    body.clear();
    events.clear();
    behaviour = Behaviour::normal;
    delay_ms = 0;
    cut_after_events = 3;
    hold_after_events = 0;
    fault.clear();
  }
};

}  // namespace aisbf_mock
