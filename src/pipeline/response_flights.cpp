#include "pipeline/response_flights.hpp"

#include <utility>

#include "pipeline/flight_waiters.hpp"

namespace aisbf {

namespace asio = boost::asio;

struct ResponseFlights::Flight {
  Flight(std::size_t recording_cap, bool with_usage, std::shared_ptr<Budget> shared_budget)
      : cap(recording_cap), usage(with_usage), budget(std::move(shared_budget)) {}
  Flight(const Flight&) = delete;
  Flight& operator=(const Flight&) = delete;
  ~Flight() { budget->used.fetch_sub(recorded.body.size(), std::memory_order_relaxed); }
  std::mutex mutex;
  const std::size_t cap;
  const bool usage;
  const std::shared_ptr<Budget> budget;
  RecordedResponse recorded;
  bool head = false;
  bool live = false;
  bool closed = false;
  std::string served_by;  // from the head's x-aisbf-target
  Settled settled = Settled::open;
  std::shared_ptr<const std::string> entry;  // published once, before the verdict
  FlightWaiters waiters;

  // Under `mutex`: the recording's bytes, up to the cap (past it, none:
  // the answer is served, not kept). False: nothing changed.
  bool append(std::string_view bytes) {
    if (recorded.overflow) return false;
    if (recorded.body.size() + bytes.size() > cap || !reserve(bytes.size())) {
      recorded.overflow = true;
      budget->used.fetch_sub(recorded.body.size(), std::memory_order_relaxed);
      recorded.body = {};
    } else {
      recorded.body.append(bytes);
    }
    return true;
  }

  // `n` more bytes within the budget shared by every recording.
  bool reserve(std::size_t n) {
    const std::size_t before = budget->used.fetch_add(n, std::memory_order_relaxed);
    if (before + n <= budget->limit) return true;
    budget->used.fetch_sub(n, std::memory_order_relaxed);
    return false;
  }

  // Under `mutex`: whether a follower at `offset` has news.
  bool news(std::size_t offset, bool following) const {
    if (settled != Settled::open || entry != nullptr) return true;
    if (!following) return false;
    return closed || recorded.overflow || (head && !live) || recorded.body.size() > offset;
  }

  View view(std::size_t offset, bool following) const {
    View v;
    v.head = head;
    v.live = live;
    v.usage = usage;
    if (following && live && !recorded.overflow && recorded.body.size() > offset) {
      v.bytes = recorded.body.substr(offset);
    }
    v.closed = closed || settled != Settled::open;
    v.overflow = recorded.overflow;
    v.error = recorded.error;
    v.served_by = served_by;
    v.settled = settled;
    v.entry = entry;
    return v;
  }
};

ResponseFlights::Lead::Lead(ResponseFlights* owner, std::string key, std::shared_ptr<Flight> flight)
    : owner_(owner), key_(std::move(key)), flight_(std::move(flight)) {}

ResponseFlights::Lead::~Lead() {
  if (!settled_) settle(Settled::dropped);
}

void ResponseFlights::Lead::note_head(int status, std::string_view content_type, const HeaderList& headers,
                                      bool streamed, bool shareable) {
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    RecordedResponse& r = flight_->recorded;
    r.status = status;
    r.content_type = content_type;
    r.headers = headers;
    r.streamed = streamed;
    for (const auto& [name, value] : headers) {
      if (name == "x-aisbf-target") flight_->served_by = value;
    }
    flight_->head = true;
    flight_->live = streamed && shareable;
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

void ResponseFlights::Lead::note_bytes(std::string_view bytes) {
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    if (!flight_->append(bytes)) return;
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

void ResponseFlights::Lead::note_end() {
  std::lock_guard lock(flight_->mutex);
  flight_->recorded.complete = true;  // news to nobody: close() follows
}

void ResponseFlights::Lead::note_error(std::string_view error_event, const GatewayError& error) {
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->append(error_event);
    flight_->recorded.error = error;  // with the event's bytes: a follower that reads them sees it
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

void ResponseFlights::Lead::close() {
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->closed = true;
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

const RecordedResponse& ResponseFlights::Lead::recorded() const { return flight_->recorded; }

void ResponseFlights::Lead::publish(std::shared_ptr<const std::string> entry) {
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->entry = std::move(entry);
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

void ResponseFlights::Lead::settle(Settled outcome) {
  if (settled_) return;
  settled_ = true;
  // Later requests find the answer cached, or lead anew.
  if (owner_ != nullptr) owner_->forget(key_, flight_.get());
  FlightWaiters waiters;
  {
    std::lock_guard lock(flight_->mutex);
    flight_->settled = outcome;
    flight_->closed = true;
    waiters = flight_->waiters.take();
  }
  waiters.wake();
}

ResponseFlights::Joined ResponseFlights::join(const std::string& key, bool usage) {
  std::lock_guard lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end()) return Joined{nullptr, it->second};
  if (flights_.size() >= max_flights_) return Joined{};
  auto flight = std::make_shared<Flight>(cap_, usage, budget_);
  flights_.emplace(key, flight);
  return Joined{std::make_unique<Lead>(this, key, std::move(flight)), nullptr};
}

std::unique_ptr<ResponseFlights::Lead> ResponseFlights::alone(bool usage) const {
  return std::make_unique<Lead>(nullptr, std::string(), std::make_shared<Flight>(cap_, usage, budget_));
}

void ResponseFlights::forget(const std::string& key, const Flight* flight) {
  std::lock_guard lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end() && it->second.get() == flight) flights_.erase(it);
}

std::size_t ResponseFlights::size() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

asio::awaitable<std::optional<ResponseFlights::View>> ResponseFlights::next(
    std::shared_ptr<Flight> flight, std::size_t offset, bool live, std::chrono::steady_clock::time_point deadline,
    CancelSlot& cancel) {
  auto news = [&] { return flight->news(offset, live); };
  const FlightWaiters::Woke woke = co_await FlightWaiters::sleep_until(flight->mutex, flight->waiters, news, deadline,
                                                                       cancel);
  if (woke != FlightWaiters::Woke::ready) co_return std::nullopt;
  // News only accrue: what held under the sleep's lock holds now.
  std::lock_guard lock(flight->mutex);
  co_return flight->view(offset, live);
}

// The copy is taken before the primary's call starts: the bytes are the
// caller's and stay valid until its co_await returns either way.
asio::awaitable<bool> FlightSink::send(int status, std::string_view content_type, std::string_view body,
                                       const HeaderList& headers) {
  lead_.note_head(status, content_type, headers, false, shareable(status));
  lead_.note_bytes(body);
  const bool ok = co_await primary_.send(status, content_type, body, headers);
  if (ok) lead_.note_end();  // a send is complete once delivered
  co_return ok;
}

asio::awaitable<bool> FlightSink::begin_stream(int status, std::string_view content_type, const HeaderList& headers) {
  lead_.note_head(status, content_type, headers, true, shareable(status));
  return primary_.begin_stream(status, content_type, headers);
}

asio::awaitable<bool> FlightSink::write(std::string_view bytes) {
  lead_.note_bytes(bytes);
  return primary_.write(bytes);
}

asio::awaitable<bool> FlightSink::end() {
  const bool ok = co_await primary_.end();
  if (ok) lead_.note_end();
  co_return ok;
}

asio::awaitable<bool> FlightSink::end_with_error(std::string_view error_event, const GatewayError& error) {
  // A leader whose client left ends with "the client went away": not the
  // answer's end but its own. Followers see the answer cut short (and it
  // is not kept: the request was cancelled).
  if (!ctx_.cancel.cancelled()) lead_.note_error(error_event, error);
  return primary_.end_with_error(error_event, error);
}

}  // namespace aisbf
