// Status: the outcome of an operation that can fail for operational reasons (a file that cannot
// be opened, a malformed key file, a full table). Errors are values: no exceptions leave the
// engine. A successful Status holds no message, so returning one costs nothing.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace coupond {

class Status {
 public:
  enum class Code : unsigned char {
    ok,
    invalid_argument,  // the caller's input is wrong (bad batch field, bad key file line)
    not_found,         // an unknown batch or coupon
    already_exists,    // a batch id or a code that is already loaded
    resource_exhausted,// a limit was reached (batches_max, serial space, table size)
    failed_precondition,// the change does not apply to the thing as it is (a revoked batch)
    io_error,          // the operating system refused a file operation
    corruption,        // a file on disk does not verify
  };

  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string message) {
    return Status(Code::invalid_argument, std::move(message));
  }
  static Status not_found(std::string message) { return Status(Code::not_found, std::move(message)); }
  static Status already_exists(std::string message) {
    return Status(Code::already_exists, std::move(message));
  }
  static Status resource_exhausted(std::string message) {
    return Status(Code::resource_exhausted, std::move(message));
  }
  static Status failed_precondition(std::string message) {
    return Status(Code::failed_precondition, std::move(message));
  }
  static Status io_error(std::string message) { return Status(Code::io_error, std::move(message)); }
  static Status corruption(std::string message) {
    return Status(Code::corruption, std::move(message));
  }

  bool is_ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::ok;
  std::string message_;
};

}  // namespace coupond
