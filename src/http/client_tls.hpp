// The TLS client settings of upstream calls, shared by the workers' pools
// and the ACME client's.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace aisbf::http {

// TLS 1.2 and later, the system's certificate store (the error when it
// cannot be loaded). Reads files: at start-up or off the event loop.
boost::system::error_code configure_client_tls(boost::asio::ssl::context& tls);

}  // namespace aisbf::http
