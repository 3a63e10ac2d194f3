#pragma once
// The signals a long-running command reacts to (SIGTERM, SIGINT, SIGHUP), delivered to one thread
// through a pipe.
//
// Why not block them and sigtimedwait: a process-directed signal goes to any thread that does not
// block it, and libraries start threads before main() that we cannot mask. OpenBLAS (the system
// BLAS, loaded through OpenCV) starts its worker threads in a load-time constructor; SIGTERM went
// to one of them and its default action killed the process, skipping the drain and commit that
// Kubernetes' SIGTERM is for. A handler runs in whichever thread receives the signal, and only
// writes the signal's number to a pipe (async-signal-safe).
//
// Owns the pipe and the handlers from construction to destruction (default dispositions are
// restored then). At most one instance may exist at a time: a signal handler can only reach
// process-wide state, so the pipe's write end is the one global this needs. wait() is called from
// one thread.

#include <initializer_list>
#include <vector>

namespace modstream::cli {

class SignalPipe {
 public:
  // Throws std::system_error when the pipe or a handler cannot be set up.
  explicit SignalPipe(std::initializer_list<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  // The next signal received, waiting up to `timeout_ms` (0: do not wait); 0 when none came.
  int wait(int timeout_ms);

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::vector<int> signals_;
};

}  // namespace modstream::cli
