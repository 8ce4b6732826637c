// lowbit: the error types thrown at the API boundary, and the check macro that throws them.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "lowbit/version.hpp"

LOWBIT_BEGIN_NAMESPACE

/// Base of everything lowbit throws. Catch this to catch any lowbit failure.
/// One hierarchy under std::runtime_error (not a split between std::invalid_argument and
/// std::runtime_error): two std::exception bases would make `catch (std::exception&)` ambiguous.
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what) {}
};

/// A caller's argument is unusable: wrong shape, null pointer, non-finite value, bad size.
/// The message names the argument and says what was expected.
class argument_error : public error {
 public:
  explicit argument_error(const std::string& what) : error(what) {}
};

/// Data read from outside (a file, a buffer) is malformed or truncated.
class data_error : public error {
 public:
  explicit data_error(const std::string& what) : error(what) {}
};

namespace detail {
template <class... Args>
[[noreturn]] inline void throw_argument_error(const Args&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  throw argument_error("lowbit: " + os.str());
}
}  // namespace detail

LOWBIT_END_NAMESPACE

/// Throws lowbit::argument_error with the streamed message parts when `cond` is false.
/// Usage: LOWBIT_CHECK(rows > 0, "rows: expected > 0, got ", rows);
#define LOWBIT_CHECK(cond, ...)                                    \
  do {                                                             \
    if (!(cond)) ::lowbit::detail::throw_argument_error(__VA_ARGS__); \
  } while (false)
