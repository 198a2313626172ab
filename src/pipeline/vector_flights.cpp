#include "pipeline/vector_flights.hpp"

#include <optional>

#include "pipeline/flight_waiters.hpp"

namespace aisbf {

namespace asio = boost::asio;

struct VectorFlights::Flight {
  std::mutex mutex;
  std::optional<Outcome> outcome;
  std::vector<Vector> vectors;
  FlightWaiters waiters;
};

VectorFlights::Lead::Lead(VectorFlights* owner, std::string key, std::shared_ptr<Flight> flight)
    : owner_(owner), key_(std::move(key)), flight_(std::move(flight)) {}

VectorFlights::Lead::~Lead() {
  if (flight_) settle(Outcome::abandoned);
}

void VectorFlights::Lead::settle(Outcome outcome, std::vector<Vector> vectors) {
  if (!flight_) return;
  owner_->forget(key_, flight_.get());  // later requests find the vectors cached, or lead anew
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->outcome = outcome;
    flight_->vectors = std::move(vectors);
    waiters = flight_->waiters.take();
  }
  waiters.wake();
  flight_.reset();
}

VectorFlights::Joined VectorFlights::join(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end()) return Joined{nullptr, it->second};
  if (flights_.size() >= max_flights_) return Joined{};
  auto flight = std::make_shared<Flight>();
  flights_.emplace(key, flight);
  return Joined{std::make_unique<Lead>(this, key, std::move(flight)), nullptr};
}

void VectorFlights::forget(const std::string& key, const Flight* flight) {
  std::lock_guard lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end() && it->second.get() == flight) flights_.erase(it);
}

std::size_t VectorFlights::size() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

asio::awaitable<std::pair<VectorFlights::Outcome, std::vector<VectorFlights::Vector>>> VectorFlights::wait(
    std::shared_ptr<Flight> flight, std::chrono::steady_clock::time_point deadline, CancelSlot& cancel) {
  auto settled = [&] { return flight->outcome.has_value(); };
  co_await FlightWaiters::sleep_until(flight->mutex, flight->waiters, settled, deadline, cancel);
  // Settled meanwhile or not, whatever ended the sleep.
  std::lock_guard lock(flight->mutex);
  if (flight->outcome) co_return std::pair{*flight->outcome, flight->vectors};
  co_return std::pair{Outcome::timed_out, std::vector<Vector>{}};
}

}  // namespace aisbf
