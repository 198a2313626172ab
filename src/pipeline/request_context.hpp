// RequestContext: everything one request carries through the pipeline.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/principal.hpp"
#include "config/config.hpp"
#include "core/provider_adapter.hpp"
#include "pipeline/ingress.hpp"
#include "pipeline/quota_gate.hpp"
#include "pipeline/usage_tap.hpp"

namespace aisbf {

struct GatewayState;
class UserViews;
namespace routing {
class RoutingTable;
struct UserView;
}

// Who is calling: produced by auth/ from the request's credentials.
using Principal = auth::Principal;

// One cancellation signal per request: the client's disconnect emits it and
// whatever upstream call is in flight has connected its handler.
class CancelSlot {
 public:
  void connect(std::function<void()> handler) { handler_ = std::move(handler); }
  void disconnect() { handler_ = nullptr; }
  void emit() {
    cancelled_ = true;
    if (handler_) {
      auto h = std::move(handler_);
      h();
    }
  }
  // Runs the connected handler (aborting the wait or call in flight)
  // without marking the request cancelled: the request deadline ends a
  // rate-limit wait this way, and the loop then answers 504.
  void interrupt() {
    if (handler_) {
      auto h = std::move(handler_);
      h();
    }
  }
  bool cancelled() const { return cancelled_; }

 private:
  std::function<void()> handler_;
  bool cancelled_ = false;
};

struct RequestContext {
  std::shared_ptr<const Config> config;  // the snapshot this request started with
  std::shared_ptr<const routing::RoutingTable> routes;  // built from the same snapshot
  // The global table when `routes` and `config` became a user view's (a
  // user's own target): what the operator's own settings, such as the
  // condensation model, resolve in. Null otherwise.
  std::shared_ptr<const routing::RoutingTable> global_routes;
  GatewayState* state = nullptr;         // health and limits shared by every worker
  std::string request_id;
  // The client's W3C traceparent when valid (a view of its request header), for
  // every upstream call of the request, translated ones too.
  std::string_view traceparent;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point deadline;  // server.request_timeout after `started` (arm_deadline)
  Principal principal;
  // The user namespace model ids resolve in (the principal's, or the
  // {username} of /api/u/{username}/…); empty: the global one. `user_view`
  // is its view, null when the store could not give it (pipeline/user_views.hpp).
  std::string namespace_user;
  std::shared_ptr<const routing::UserView> user_view;
  UserViews* user_views = nullptr;  // the App's cache of users' views
  CancelSlot cancel;
  IngressFormat format = IngressFormat::openai_chat;  // errors are written in this format
  HeaderList response_headers;  // added to a successful answer's head (which rotation candidate served)
  HeaderList choice_headers;    // the same, set before the attempts and kept across them (x-aisbf-autoselected)
  UsageTap usage;               // the chat doors record a usage row from it (usage_capture.hpp)
  QuotaTap quota;               // after `usage`: settles from it when the request ends (quota_gate.hpp)
  // The client behind trusted proxies (address, https, host), worked out
  // on first use: pipeline/forwarded.hpp's client_of.
  std::optional<ClientView> client;
};

}  // namespace aisbf
