// Expected<T>: a value or a GatewayError, for the plain-C++ layers
// (g++ 12 has no std::expected in C++20 mode).
#pragma once

#include <utility>
#include <variant>

#include "core/gateway_error.hpp"

namespace aisbf {

template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(GatewayError error) : v_(std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }

  const GatewayError& error() const { return std::get<1>(v_); }
  GatewayError&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, GatewayError> v_;
};

}  // namespace aisbf
