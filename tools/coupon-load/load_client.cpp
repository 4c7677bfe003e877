#include "load_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cmath>
#include <memory>
#include <random>
#include <thread>

namespace coupond::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// What every connection shares: the plan and the codes, immutable while the load runs.
struct Shared {
  const LoadOptions& options;
  const Protocol& protocol;
  const std::vector<std::string>& codes;
  const KeyPicker& keys;
  Clock::time_point start;
  Clock::time_point deadline;
  LoadProgress& progress;
  // In every order id: runs against the same server never reuse one (which would be a replay).
  std::string run_tag;
  std::atomic<std::uint64_t> started{0};
  // Cumulative shares of the request kinds, in the order of Mix's fields.
  double validate_until = 0, redeem_until = 0, rollback_until = 0, forged_until = 0;
};

enum class Pick { validate, redeem, rollback, forged, unknown };

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& context, Shared& shared, LoadResult& result, unsigned id)
      : socket_(context), timer_(context), shared_(shared), result_(result), id_(id),
        random_(shared.options.seed * 1'000'003 + id) {
    const Scenario& scenario = shared_.options.scenario;
    if (scenario.rate > 0) {
      rate_ = scenario.rate / scenario.connections;
      // Each connection's schedule is shifted by a random part of its interval, so that the
      // connections' requests spread out instead of leaving together.
      phase_ = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    }
  }

  void start(const tcp::resolver::results_type& addresses) {
    asio::async_connect(socket_, addresses, [self = shared_from_this()](
                                                boost::system::error_code error, const tcp::endpoint&) {
      if (error) return self->broke();
      boost::system::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->schedule();
    });
  }

 private:
  // Open loop: when the n-th request of this connection is due, seconds from the start. The rate
  // rises linearly over the ramp, so the count due by t is rate*t^2/(2*ramp) during it.
  double due_seconds(std::uint64_t n) const {
    const double ramp = static_cast<double>(shared_.options.scenario.ramp.count());
    const double count = static_cast<double>(n) + phase_;
    if (count < rate_ * ramp / 2) return std::sqrt(2 * ramp * count / rate_);
    return count / rate_ + ramp / 2;
  }

  Clock::time_point when_due(std::uint64_t n) const {
    return shared_.start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(due_seconds(n)));
  }

  void schedule() {
    const Scenario& scenario = shared_.options.scenario;
    if (rate_ > 0) {
      due_ = when_due(sent_);
    } else if (sent_ == 0 && scenario.ramp.count() > 0) {
      // Closed loop with a ramp: connection i joins at i/connections of the ramp.
      due_ = shared_.start + std::chrono::duration_cast<Clock::duration>(
                                 scenario.ramp * (static_cast<double>(id_) / scenario.connections));
    } else {
      due_ = Clock::now();
    }
    if (due_ >= shared_.deadline) return finish();
    if (scenario.requests_max != 0 && shared_.started.fetch_add(1) >= scenario.requests_max) {
      return finish();
    }
    if (due_ <= Clock::now()) return send();
    timer_.expires_at(due_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      if (error) return self->finish();
      self->send();
    });
  }

  Pick pick_kind() {
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    if (unit < shared_.validate_until) return Pick::validate;
    if (unit < shared_.redeem_until) return Pick::redeem;
    if (unit < shared_.rollback_until) return owned_.empty() ? Pick::redeem : Pick::rollback;
    if (unit < shared_.forged_until) return Pick::forged;
    return Pick::unknown;
  }

  void build_request() {
    const Pick pick = pick_kind();
    if (pick == Pick::rollback) {
      // The order this connection redeemed most recently gives its coupon back.
      code_ = std::move(owned_.back().first);
      order_id_ = std::move(owned_.back().second);
      owned_.pop_back();
      request_ = {RequestKind::rollback, code_, order_id_};
      return;
    }
    code_ = shared_.codes[shared_.keys.pick(random_)];
    if (pick == Pick::forged) {
      // One character changed near the end: the typo or guess a brute force makes.
      char& c = code_[code_.size() - 3];
      c = c == 'Z' ? 'Y' : 'Z';
    } else if (pick == Pick::unknown) {
      // The same shape, every letter and digit after the first group drawn at random.
      constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
      for (std::size_t i = code_.find('-') + 1; i > 0 && i < code_.size(); ++i) {
        if (code_[i] != '-') code_[i] = alphabet[random_() % alphabet.size()];
      }
    }
    order_id_ = "load-" + shared_.run_tag + "-" + std::to_string(id_) + "-" + std::to_string(sent_);
    request_ = {pick == Pick::validate ? RequestKind::validate : RequestKind::redeem, code_,
                order_id_};
  }

  void send() {
    build_request();
    ++sent_;
    out_.clear();
    shared_.protocol.encode(request_, &out_);
    sent_at_ = Clock::now();
    asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this()](
                                                       boost::system::error_code error, std::size_t) {
      if (error) return self->broke();
      self->read();
    });
  }

  void read() {
    const std::size_t have = in_.size();
    in_.resize(have + 4096);
    socket_.async_read_some(asio::buffer(in_.data() + have, 4096),
                            [self = shared_from_this(), have](boost::system::error_code error,
                                                              std::size_t got) {
                              self->in_.resize(have + got);
                              if (error) return self->broke();
                              self->on_bytes();
                            });
  }

  void on_bytes() {
    Answer answer;
    const std::ptrdiff_t used = shared_.protocol.decode(in_, request_, &answer);
    if (used < 0) return broke();
    if (used == 0) return read();
    in_.erase(0, static_cast<std::size_t>(used));
    // Closed loop: from the send. Open loop: from when the request was due, which is earlier
    // whenever the connection was still busy with the answer before.
    const auto latency = Clock::now() - (rate_ > 0 ? due_ : sent_at_);
    result_.latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
    ++result_.requests;
    ++result_.outcomes[answer.outcome];
    if (answer.redeemed) {
      ++result_.in_force[code_];
      if (owned_.size() < 64) owned_.emplace_back(code_, order_id_);
    }
    if (answer.rolled_back) --result_.in_force[code_];
    shared_.progress.answered.fetch_add(1, std::memory_order_relaxed);
    schedule();
  }

  // Counts what was due before the deadline and never sent (open loop), and closes.
  void finish() {
    if (rate_ > 0) {
      for (std::uint64_t n = sent_; when_due(n) < shared_.deadline; ++n) ++result_.unsent;
    }
    close();
  }

  void broke() {
    ++result_.failures;
    shared_.progress.failures.fetch_add(1, std::memory_order_relaxed);
    close();
  }

  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  Shared& shared_;
  LoadResult& result_;
  unsigned id_;
  std::mt19937_64 random_;
  double rate_ = 0;   // open loop: this connection's requests per second
  double phase_ = 0;  // open loop: its schedule's shift, in intervals
  std::uint64_t sent_ = 0;
  Clock::time_point due_;
  Clock::time_point sent_at_;
  std::string code_;
  std::string order_id_;
  Request request_;
  std::string out_;
  std::string in_;
  // Orders this connection redeemed, for its rollbacks (the newest few).
  std::vector<std::pair<std::string, std::string>> owned_;
};

void set_mix(Shared& shared, const Mix& mix) {
  const double total = mix.validate + mix.redeem + mix.rollback + mix.forged + mix.unknown;
  shared.validate_until = mix.validate / total;
  shared.redeem_until = shared.validate_until + mix.redeem / total;
  shared.rollback_until = shared.redeem_until + mix.rollback / total;
  shared.forged_until = shared.rollback_until + mix.forged / total;
}

}  // namespace

std::uint64_t LoadResult::codes_redeemed() const {
  std::uint64_t codes = 0;
  for (const auto& [code, count] : in_force) codes += count > 0 ? 1 : 0;
  return codes;
}

std::uint64_t LoadResult::double_redemptions() const {
  std::uint64_t doubles = 0;
  for (const auto& [code, count] : in_force) doubles += count > 1 ? static_cast<std::uint64_t>(count - 1) : 0;
  return doubles;
}

LoadResult run_load(const LoadOptions& options, const Protocol& protocol,
                    const std::vector<std::string>& codes, LoadProgress* progress) {
  const Scenario& scenario = options.scenario;
  const std::uint64_t key_count =
      scenario.key_codes == 0 ? codes.size() : std::min<std::uint64_t>(scenario.key_codes, codes.size());
  const KeyPicker keys(scenario.keys, scenario.zipf_exponent, key_count);
  LoadProgress own_progress;
  const auto start = Clock::now();
  const auto wall_clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  Shared shared{options, protocol, codes, keys, start, start + scenario.duration,
                progress != nullptr ? *progress : own_progress,
                std::to_string(wall_clock_ms.count()) + "-" + std::to_string(options.seed)};
  set_mix(shared, scenario.mix);
  const unsigned threads = std::max(1u, options.threads);
  // One io_context and one result per thread: connections of a thread never share state with
  // another thread's, so the loader itself takes no lock.
  std::vector<LoadResult> results(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      asio::io_context context(1);
      tcp::resolver resolver(context);
      boost::system::error_code error;
      const auto addresses = resolver.resolve(options.host, options.port, error);
      if (error) {
        ++results[t].failures;
        return;
      }
      for (unsigned c = t; c < scenario.connections; c += threads) {
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
    total.unsent += result.unsent;
    total.latency.merge(result.latency);
    for (const auto& [outcome, count] : result.outcomes) total.outcomes[outcome] += count;
    for (const auto& [code, count] : result.in_force) total.in_force[code] += count;
  }
  return total;
}

}  // namespace coupond::load
