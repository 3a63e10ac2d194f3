#include "app/cli/signal_pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <system_error>

namespace modstream::cli {
namespace {

// The pipe's write end for the handler (see the header: the one global a handler needs).
std::atomic<int> g_signal_write_fd{-1};

void onSignal(int signal) {
  const int saved_errno = errno;
  const int fd = g_signal_write_fd.load();
  const auto byte = static_cast<unsigned char>(signal);
  if (fd >= 0) [[maybe_unused]]
    auto written = write(fd, &byte, 1);  // full pipe: already pending
  errno = saved_errno;
}

}  // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals) : signals_(signals) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot create the signal pipe");
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  g_signal_write_fd = write_fd_;
  struct sigaction action {};
  action.sa_handler = &onSignal;
  action.sa_flags = SA_RESTART;  // other threads' blocking calls resume instead of failing EINTR
  sigemptyset(&action.sa_mask);
  sigset_t unblock;
  sigemptyset(&unblock);
  for (const int signal : signals_) {
    if (sigaction(signal, &action, nullptr) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot handle a signal");
    }
    sigaddset(&unblock, signal);
  }
  // Threads created from here on inherit this thread's mask: let them take the signals too.
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
}

SignalPipe::~SignalPipe() {
  for (const int signal : signals_) std::signal(signal, SIG_DFL);
  g_signal_write_fd = -1;
  close(read_fd_);
  close(write_fd_);
}

int SignalPipe::wait(int timeout_ms) {
  pollfd readable{read_fd_, POLLIN, 0};
  if (poll(&readable, 1, timeout_ms) <= 0) return 0;
  unsigned char signal = 0;
  return read(read_fd_, &signal, 1) == 1 ? signal : 0;
}

}  // namespace modstream::cli
