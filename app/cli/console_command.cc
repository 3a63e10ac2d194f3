// `modstream console --config FILE`: serves the moderator console (console/console_app.h) until
// SIGINT or SIGTERM. `modstream console add-user`: adds a user to its users file.

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/signal_pipe.h"
#include "console/console_app.h"

namespace modstream::cli {

int consoleCommand(const ConsoleOptions& options) {
  ConfigErrors errors;
  auto config = loadConsoleConfig(options.config_file, errors);
  if (!config) {
    std::cerr << "modstream console: invalid " << options.config_file << ":\n" << errors.str();
    return 2;
  }
  configureLogging(config->log_level, config->log_format);
  SignalPipe signals({SIGINT, SIGTERM});
  SystemClock clock;
  try {
    ConsoleApp console(*config, consoleWebDir(), clock);
    spdlog::info("console: serving on port {} (open http://{}:{}/)", console.port(),
                 config->listen_address.substr(0, config->listen_address.rfind(':')),
                 console.port());
    while (true) {
      const int signal = signals.wait(1000);
      if (signal == SIGINT || signal == SIGTERM) break;
    }
    spdlog::info("console: stopping");
  } catch (const std::exception& e) {
    spdlog::critical("console: {}", e.what());
    return 1;
  }
  return 0;
}

int consoleAddUserCommand(const ConsoleOptions& options) {
  if (!validUserName(options.user)) {
    std::cerr
        << "modstream console add-user: --name must be 1-64 characters of A-Z a-z 0-9 . _ -\n";
    return 2;
  }
  std::string password;
  std::getline(std::cin, password);
  if (password.size() < 12) {
    std::cerr << "modstream console add-user: the password (read from standard input) must be "
                 "at least 12 characters\n";
    return 2;
  }
  ConfigErrors errors;
  UserDirectory::save(
      options.users_file,
      {options.user, parseRole(options.role).value_or(Role::kModerator), hashPassword(password)},
      errors);
  if (!errors.empty()) {
    std::cerr << "modstream console add-user: " << errors.str();
    return 1;
  }
  std::cout << "user " << options.user << " (" << options.role << ") saved in "
            << options.users_file << "\n";
  return 0;
}

}  // namespace modstream::cli
