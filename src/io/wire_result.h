#pragma once
// Result of decoding bytes that came from outside the process (a policy server's reply, a file): a value,
// or a message saying what was wrong and where. Malformed wire data is an expected runtime failure
// (core/error.h), so decoders return this instead of throwing and never abort on bad input.
#include <string>
#include <utility>
#include <variant>

#include "core/error.h"

namespace ocres::wire {

template <typename T>
class Result {
 public:
  static Result success(T value) { return Result(std::in_place_index<0>, std::move(value)); }
  static Result failure(std::string message) { return Result(std::in_place_index<1>, std::move(message)); }

  bool ok() const { return state_.index() == 0; }
  // value() on a failure and error() on a success are bugs in the caller.
  const T& value() const& {
    OCRES_CHECK(ok(), "Result::value() on a failure: " + error_or_empty());
    return std::get<0>(state_);
  }
  T&& value() && {
    OCRES_CHECK(ok(), "Result::value() on a failure: " + error_or_empty());
    return std::get<0>(std::move(state_));
  }
  const std::string& error() const {
    OCRES_CHECK(!ok(), "Result::error() on a success");
    return std::get<1>(state_);
  }

 private:
  template <std::size_t I, typename U>
  Result(std::in_place_index_t<I> tag, U&& payload) : state_(tag, std::forward<U>(payload)) {}
  std::string error_or_empty() const { return ok() ? std::string() : std::get<1>(state_); }

  std::variant<T, std::string> state_;
};

}  // namespace ocres::wire
