// Single flight for autoselect's description vectors: when concurrent
// requests miss the same descriptions (a cold start, a reload with new
// ones), the first leads (reads the store, embeds what it lacks) and the
// others wait for its vectors instead of fetching the same ones again.
//
// A flight is keyed by the model and the exact set of missing texts; the
// table holds at most `max_flights` (past that a request fetches alone:
// more upstream calls under a burst of distinct sets, never unbounded
// memory). Waiters may be on any worker (flight_waiters.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "pipeline/request_context.hpp"

namespace aisbf {

class VectorFlights {
 public:
  using Vector = std::shared_ptr<const std::vector<float>>;
  enum class Outcome : std::uint8_t {
    ready,      // the vectors, in the order of the flight's texts
    failed,     // the leader could not have them (the upstream failed): waiters fall back to BM25 alone
    abandoned,  // the leader's request ended first (its client left): a waiter may lead anew
    timed_out,  // the waiter's own deadline came first, or its client left
  };
  struct Flight;

  // The leader's side. Dropped without settle(): abandoned (a leader whose
  // coroutine ends early never leaves its waiters asleep).
  class Lead {
   public:
    Lead(VectorFlights* owner, std::string key, std::shared_ptr<Flight> flight);
    Lead(const Lead&) = delete;
    Lead& operator=(const Lead&) = delete;
    ~Lead();
    void settle(Outcome outcome, std::vector<Vector> vectors = {});

   private:
    VectorFlights* owner_;
    std::string key_;
    std::shared_ptr<Flight> flight_;
  };

  // Exactly one of the two, or neither when the table is full.
  struct Joined {
    std::unique_ptr<Lead> lead;
    std::shared_ptr<Flight> follow;
  };

  explicit VectorFlights(std::size_t max_flights = 256) : max_flights_(max_flights) {}

  Joined join(const std::string& key);

  // The flight's end, awaited until `deadline` or until `cancel` fires.
  static boost::asio::awaitable<std::pair<Outcome, std::vector<Vector>>> wait(
      std::shared_ptr<Flight> flight, std::chrono::steady_clock::time_point deadline, CancelSlot& cancel);

  std::size_t size() const;

 private:
  void forget(const std::string& key, const Flight* flight);

  std::size_t max_flights_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace aisbf
