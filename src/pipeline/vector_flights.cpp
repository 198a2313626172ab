#include "pipeline/vector_flights.hpp"

#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aisbf {

namespace asio = boost::asio;

struct VectorFlights::Flight {
  std::mutex mutex;
  std::optional<Outcome> outcome;
  std::vector<Vector> vectors;
  // Each waiter's executor and timer; the timer is the waiter's (weak here).
  std::vector<std::pair<asio::any_io_executor, std::weak_ptr<asio::steady_timer>>> waiters;
};

VectorFlights::Lead::Lead(VectorFlights* owner, std::string key, std::shared_ptr<Flight> flight)
    : owner_(owner), key_(std::move(key)), flight_(std::move(flight)) {}

VectorFlights::Lead::~Lead() {
  if (flight_) settle(Outcome::abandoned);
}

void VectorFlights::Lead::settle(Outcome outcome, std::vector<Vector> vectors) {
  if (!flight_) return;
  owner_->forget(key_, flight_.get());  // later requests find the vectors cached, or lead anew
  std::vector<std::pair<asio::any_io_executor, std::weak_ptr<asio::steady_timer>>> waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->outcome = outcome;
    flight_->vectors = std::move(vectors);
    waiters.swap(flight_->waiters);
  }
  for (auto& [executor, timer] : waiters) {
    // A waiter gone is not woken: at shutdown its io_context may be gone
    // too (frames are destroyed with their io_context, leaders' included).
    if (timer.expired()) continue;
    asio::post(executor, [timer = std::move(timer)] {
      if (auto t = timer.lock()) t->cancel();
    });
  }
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
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
  auto settled = [&]() -> std::optional<std::pair<Outcome, std::vector<Vector>>> {
    if (!flight->outcome) return std::nullopt;
    return std::pair{*flight->outcome, flight->vectors};
  };
  {
    std::lock_guard lock(flight->mutex);
    if (auto done = settled()) co_return std::move(*done);
    flight->waiters.emplace_back(executor, timer);
  }
  if (!cancel.cancelled()) {
    cancel.connect([&timer] { timer->cancel(); });
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    cancel.disconnect();
  }
  std::lock_guard lock(flight->mutex);
  if (auto done = settled()) co_return std::move(*done);
  co_return std::pair{Outcome::timed_out, std::vector<Vector>{}};
}

}  // namespace aisbf
