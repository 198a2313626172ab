// Records the requests made to API routes, for tests (GET /__mock/requests,
// /__mock/stats, POST /__mock/reset). Thread-safe; stores raw strings in a
// ring of reused slots and builds JSON only when asked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"

namespace aisbf_mock {

class Recorder {
 public:
  static constexpr std::size_t kCapacity = 1000;
  // Older records are dropped early when the kept bodies exceed this.
  static constexpr std::size_t kMaxBodyBytes = 256u << 20;

  struct Ticket {
    std::uint64_t seq = 0;
    std::uint64_t epoch = 0;
  };

  Recorder();

  // `raw_headers` holds "Name: value\r\n" lines, as received.
  Ticket begin(std::string_view method, std::string_view target, std::string_view raw_headers,
               std::string_view body);
  // The fault the answer applies (plan.fault), recorded as "fault".
  void set_fault(Ticket ticket, std::string_view fault);
  // aborted: the client went away before the answer was finished.
  void finish(Ticket ticket, bool aborted);

  // fault-hold: the streams waiting, and the releases so far (a stream
  // waits until the count passes the one it saw when it began).
  void hold_begin() { held_.fetch_add(1); }
  void hold_end() { held_.fetch_sub(1); }
  std::uint64_t held() const { return held_.load(); }
  std::uint64_t releases() const { return releases_.load(); }
  void release() { releases_.fetch_add(1); }

  // Streamed uploads (audio transcriptions, translations): the bytes of
  // each one in progress, for GET /__mock/uploads, so that a test can see
  // bytes arrive before its client has finished sending. Once the upload
  // is recorded, its first and last body byte times go with it.
  std::uint64_t upload_begin();
  void upload_bytes(std::uint64_t id, std::uint64_t n);
  void upload_end(std::uint64_t id);
  void set_body_times(Ticket ticket, std::chrono::steady_clock::time_point first,
                      std::chrono::steady_clock::time_point last);
  std::string uploads_json() const;

  std::string requests_json(std::size_t last) const;
  std::string stats_json() const;
  void reset();

 private:
  struct Entry {
    std::uint64_t seq = 0;
    std::string method;
    std::string target;
    std::string headers;
    std::string body;
    std::string fault;              // empty: none
    std::int64_t received_ns = 0;   // steady clock, since the recorder was made
    std::int64_t body_first_ns = -1;  // a streamed upload: its first and last body byte
    std::int64_t body_last_ns = -1;
    bool completed = false;
    bool aborted = false;
  };

  void drop_oldest();  // needs mu_
  Entry* entry(Ticket ticket);  // needs mu_; null when dropped or reset

  const std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();

  mutable std::mutex mu_;
  std::vector<Entry> ring_;
  std::uint64_t epoch_ = 0;
  std::uint64_t first_seq_ = 1;  // kept records: [first_seq_, next_seq_)
  std::uint64_t next_seq_ = 1;
  std::size_t body_bytes_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t aborted_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> uploads_;  // id → bytes so far (needs mu_)
  std::uint64_t next_upload_ = 1;
  std::uint64_t uploads_done_ = 0;
  std::atomic<std::uint64_t> held_{0};
  std::atomic<std::uint64_t> releases_{0};
};

// Serves /__mock/requests, /__mock/stats, /__mock/reset, /__mock/held and
// /__mock/release. Returns false
// when the target is not a control route.
bool handle_control(Recorder& recorder, const RequestView& req, Plan& plan);

}  // namespace aisbf_mock
