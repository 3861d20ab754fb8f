// One error type for the whole library. Messages start with the op's name and
// name the shapes and dtypes involved; `kind` tells the Python layer which
// exception class torch would raise.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

// LinAlg: a singular or non-positive-definite input (torch.linalg.LinAlgError, a RuntimeError).
enum class ErrorKind { Runtime, Index, Value, Type, NotImplemented, LinAlg };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class A, class... R> void append(std::ostringstream& os, const A& a, const R&... r) {
  os << a;
  append(os, r...);
}
template <class... A>[[noreturn]] void fail(ErrorKind kind, const char* op, const A&... a) {
  std::ostringstream os;
  if (op && *op) os << op << ": ";
  append(os, a...);
  throw Error(kind, os.str());
}
}  // namespace detail

// EMBER_CHECK(cond, "op", "message ", value, ...) -> RuntimeError
#define EMBER_CHECK(cond, op, ...) \
  do { if (__builtin_expect(!(cond), 0)) ::ember::detail::fail(::ember::ErrorKind::Runtime, op, __VA_ARGS__); } while (0)
#define EMBER_CHECK_INDEX(cond, op, ...) \
  do { if (__builtin_expect(!(cond), 0)) ::ember::detail::fail(::ember::ErrorKind::Index, op, __VA_ARGS__); } while (0)
#define EMBER_CHECK_VALUE(cond, op, ...) \
  do { if (__builtin_expect(!(cond), 0)) ::ember::detail::fail(::ember::ErrorKind::Value, op, __VA_ARGS__); } while (0)
#define EMBER_CHECK_TYPE(cond, op, ...) \
  do { if (__builtin_expect(!(cond), 0)) ::ember::detail::fail(::ember::ErrorKind::Type, op, __VA_ARGS__); } while (0)
#define EMBER_CHECK_LINALG(cond, op, ...) \
  do { if (__builtin_expect(!(cond), 0)) ::ember::detail::fail(::ember::ErrorKind::LinAlg, op, __VA_ARGS__); } while (0)
#define EMBER_FAIL(op, ...) ::ember::detail::fail(::ember::ErrorKind::Runtime, op, __VA_ARGS__)
#define EMBER_NOT_SUPPORTED(op, ...) ::ember::detail::fail(::ember::ErrorKind::NotImplemented, op, __VA_ARGS__)

}  // namespace ember
