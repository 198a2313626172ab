// The onion service (aisbf.json `tor`): one control connection to tor, kept
// open for as long as aisbf runs (an ephemeral service lives as long as it
// does), authenticated (password, SAFECOOKIE, COOKIE or none), ADD_ONION
// mapping tor.hidden_service_port to aisbf's port, DEL_ONION at shutdown.
// A failure (no tor, a wrong password, tor restarting) is logged once and
// shown in state(); aisbf keeps serving and reconnects with backoff. The
// protocol itself is ops/tor_control.hpp's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "config/config.hpp"
#include "ops/tor_state.hpp"

namespace aisbf {

struct TorServiceOptions {
  TorConfig config;
  std::string target;  // where tor forwards: "127.0.0.1:<aisbf port>"
  // On the io thread, each time tor gives the service ("<id>.onion"). When
  // set, the state stays "starting" until confirm(onion_host): the caller
  // accepts the name in Host headers first.
  std::function<void(const std::string& onion_host)> on_address;
  // Where blocking file work goes (saving a new onion key: a write and an
  // fsync); unset: inline.
  std::function<void(std::function<void()>)> run_blocking;
  std::chrono::milliseconds io_timeout{10'000};  // name, connect, and each reply
  std::chrono::milliseconds max_backoff{60'000};
};

class TorService {
 public:
  // Off the event loop: reads the stored onion key (a persistent service) once.
  explicit TorService(TorServiceOptions options);
  ~TorService();
  TorService(const TorService&) = delete;
  TorService& operator=(const TorService&) = delete;

  // On `io`'s thread; nothing when refused or withdrawn.
  void start(boost::asio::io_context& io);
  // On the io's thread: removes the service (DEL_ONION, bounded) and ends
  // the connection; the io's loop then has no more of its work.
  void stop();
  // Not started: the state says why (e.g. auth is off).
  void refuse(std::string reason);
  // From any thread: the service goes (DEL_ONION, on the io's thread) and
  // stays off until aisbf restarts; the state says why.
  void withdraw(std::string reason);
  // From any thread: `onion_host` is accepted in Host headers now; the
  // state becomes running if that is still the published name.
  void confirm(const std::string& onion_host);
  // Started and neither refused nor withdrawn: published, or about to be
  // (again, after tor restarts).
  bool active() const;
  // From any thread.
  ops::TorState state() const;

  struct Impl;  // shared with the connection's coroutine (tor_service.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace aisbf
