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
  // On the io thread, each time tor gives the service ("<id>.onion").
  std::function<void(const std::string& onion_host)> on_address;
  std::chrono::milliseconds io_timeout{10'000};  // name, connect, and each reply
  std::chrono::milliseconds max_backoff{60'000};
};

class TorService {
 public:
  TorService(boost::asio::io_context& io, TorServiceOptions options);
  ~TorService();
  TorService(const TorService&) = delete;
  TorService& operator=(const TorService&) = delete;

  void start();
  // On the io's thread: removes the service (DEL_ONION, bounded) and ends
  // the connection; the io's loop then has no more of its work.
  void stop();
  // Not started: the state says why (e.g. auth is off).
  void refuse(std::string reason);
  // From any thread.
  ops::TorState state() const;

  struct Impl;  // shared with the connection's coroutine (tor_service.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace aisbf
