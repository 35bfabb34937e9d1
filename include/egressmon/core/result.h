#pragma once
// Environment, I/O and config failures are returned as values carrying a message that names
// the file, line or path; packet bytes never throw (they use status codes and counters).
#include <string>
#include <utility>
#include <variant>

namespace egressmon {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

private:
  std::variant<T, Error> v_;
};

/// For operations that return nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace egressmon
