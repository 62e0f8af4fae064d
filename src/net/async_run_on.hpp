// async_run_on(ex, fn, token): runs fn() on executor `ex` (a room's strand), then completes on the
// caller's own executor. Cheaper than co_spawn-ing a coroutine for each message a session hands
// to its room, and it never runs the caller's continuation on `ex`.
#pragma once

#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

namespace yws::net::detail {

// Requires: fn does not throw (room code catches its own exceptions). Completion signature:
// void(). Not cancellable.
template <class Executor, class Fn, class CompletionToken>
auto async_run_on(Executor ex, Fn fn, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void()>(
      [ex](auto handler, Fn fn) mutable {
        // Keeps the caller's executor busy while fn waits in the strand, so its io_context does
        // not run out of work if it is a different one.
        auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
        boost::asio::post(ex, [handler = std::move(handler), fn = std::move(fn), work = std::move(work)]() mutable {
          fn();
          auto caller = work.get_executor();
          boost::asio::post(caller, std::move(handler));
        });
      },
      token, std::move(fn));
}

}  // namespace yws::net::detail
