#include "load_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <memory>
#include <random>
#include <thread>

namespace coupond::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// The reason field of an answer, found without a JSON parse: the loader must not be the
// bottleneck it measures.
std::string_view reason_of(std::string_view body) {
  constexpr std::string_view key = "\"reason\":\"";
  const std::size_t at = body.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + key.size();
  return body.substr(start, body.find('"', start) - start);
}

struct Shared {
  const LoadOptions& options;
  const std::vector<std::string>& codes;
  Clock::time_point deadline;
  std::atomic<std::uint64_t> started{0};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& context, Shared& shared, LoadResult& result, unsigned id)
      : stream_(context), shared_(shared), result_(result), id_(id), random_(shared.options.seed + id) {}

  void start(const tcp::resolver::results_type& addresses) {
    stream_.async_connect(addresses, [self = shared_from_this()](beast::error_code error,
                                                                 const tcp::endpoint&) {
      if (error) {
        ++self->result_.failures;
        return;
      }
      self->send();
    });
  }

 private:
  bool pick_request() {
    const LoadOptions& options = shared_.options;
    if (Clock::now() >= shared_.deadline) return false;
    if (options.requests_max != 0 && shared_.started.fetch_add(1) >= options.requests_max) {
      return false;
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    code_ = shared_.codes[random_() % shared_.codes.size()];
    if (unit(random_) < options.forged_share) {
      char& c = code_[code_.size() - 3];
      c = c == 'Z' ? 'Y' : 'Z';
    }
    redeem_ = unit(random_) < options.redeem_share;
    std::string body = "{\"code\":\"" + code_ + "\",\"order\":{\"amount\":12900,\"channel\":\"app\"}";
    if (redeem_) body += ",\"order_id\":\"load-" + std::to_string(id_) + "-" + std::to_string(++sequence_) + "\"";
    body += "}";
    request_ = {bhttp::verb::post, redeem_ ? "/v1/redeem" : "/v1/validate", 11};
    request_.set(bhttp::field::host, options.host);
    request_.set(bhttp::field::content_type, "application/json");
    if (!options.api_key.empty()) request_.set(bhttp::field::authorization, "Bearer " + options.api_key);
    request_.keep_alive(true);
    request_.body() = std::move(body);
    request_.prepare_payload();
    return true;
  }

  void send() {
    if (!pick_request()) return close();
    sent_at_ = Clock::now();
    bhttp::async_write(stream_, request_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) return self->broke();
      self->response_ = {};
      bhttp::async_read(self->stream_, self->buffer_, self->response_,
                        [self](beast::error_code read_error, std::size_t) {
                          if (read_error) return self->broke();
                          self->answered();
                        });
    });
  }

  void answered() {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at_);
    result_.latency.record(static_cast<std::uint64_t>(micros.count()));
    ++result_.requests;
    const int status = static_cast<int>(response_.result_int());
    const std::string_view body = response_.body();
    std::string outcome = redeem_ ? "redeem " : "validate ";
    outcome += std::to_string(status);
    const std::string_view reason = reason_of(body);
    if (!reason.empty()) {
      outcome += " ";
      outcome += reason;
    } else if (status == 200) {
      outcome += redeem_ ? (body.find("\"replayed\":true") != std::string_view::npos ? " replayed" : " redeemed")
                         : " valid";
    }
    ++result_.outcomes[outcome];
    if (redeem_ && status == 200 && body.find("\"replayed\":false") != std::string_view::npos) {
      ++result_.redeemed[code_];
    }
    send();
  }

  void broke() {
    ++result_.failures;
    close();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  LoadResult& result_;
  unsigned id_;
  std::mt19937_64 random_;
  std::uint64_t sequence_ = 0;
  std::string code_;
  bool redeem_ = false;
  Clock::time_point sent_at_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

std::uint64_t LoadResult::double_redemptions() const {
  std::uint64_t doubles = 0;
  for (const auto& [code, count] : redeemed) doubles += count > 1 ? count - 1 : 0;
  return doubles;
}

LoadResult run_load(const LoadOptions& options, const std::vector<std::string>& codes) {
  Shared shared{options, codes, Clock::now() + options.duration, {}};
  const unsigned threads = std::max(1u, options.threads);
  // One io_context and one result per thread: connections of a thread never share state with
  // another thread's, so the loader itself takes no lock.
  std::vector<LoadResult> results(threads);
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      asio::io_context context(1);
      tcp::resolver resolver(context);
      beast::error_code error;
      const auto addresses = resolver.resolve(options.host, options.port, error);
      if (error) {
        ++results[t].failures;
        return;
      }
      for (unsigned c = t; c < options.connections; c += threads) {
        std::make_shared<Connection>(context, shared, results[t], c)->start(addresses);
      }
      context.run();
    });
  }
  for (std::thread& worker : workers) worker.join();
  LoadResult total;
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const LoadResult& result : results) {
    total.requests += result.requests;
    total.failures += result.failures;
    total.latency.merge(result.latency);
    for (const auto& [outcome, count] : result.outcomes) total.outcomes[outcome] += count;
    for (const auto& [code, count] : result.redeemed) total.redeemed[code] += count;
  }
  return total;
}

}  // namespace coupond::load
