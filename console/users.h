#pragma once
// The console's users: a YAML file of names, roles and Argon2id password hashes, made by
// `modstream console add-user` and read at start-up. Hashing and verification are libsodium's
// crypto_pwhash_str (Argon2id, the library's "interactive" limits), so no password and no
// home-made hash is ever stored.
//
//   users:
//     - {name: alice, role: moderator, password_hash: "$argon2id$v=19$m=65536,t=2,p=1$..."}
//     - {name: bob, role: lead, password_hash: "..."}
//
// Roles: a moderator works the queue; a lead also works cases escalated to a lead; an admin also
// sees the audit trail. Thread-safety: read-only after load.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config/config_reader.h"

namespace modstream {

enum class Role { kModerator, kLead, kAdmin };

std::string_view roleName(Role role);
std::optional<Role> parseRole(std::string_view name);

struct User {
  std::string name;
  Role role = Role::kModerator;
  std::string password_hash;  // libsodium's crypto_pwhash_str output
};

// An Argon2id hash of `password` with a fresh salt. Throws std::runtime_error when libsodium
// cannot start or runs out of memory.
std::string hashPassword(std::string_view password);

// Whether `password` matches `hash`; false for a malformed hash.
bool passwordMatches(const std::string& hash, std::string_view password);

// A user name: 1-64 characters of [A-Za-z0-9._-].
bool validUserName(std::string_view name);

class UserDirectory {
 public:
  UserDirectory() = default;
  explicit UserDirectory(std::vector<User> users) : users_(std::move(users)) {}

  // Reads the file; problems (file:line where YAML gives one) go to `errors`.
  static std::optional<UserDirectory> load(const std::filesystem::path& file, ConfigErrors& errors);
  // Adds or replaces `user` in the file (created when missing), keeping the others.
  static void save(const std::filesystem::path& file, const User& user, ConfigErrors& errors);

  const User* find(std::string_view name) const;
  // The user when the name exists and the password matches. Costs one Argon2id verification
  // even for an unknown name, so the answer's timing does not tell which names exist.
  const User* authenticate(std::string_view name, std::string_view password) const;
  const std::vector<User>& all() const { return users_; }

 private:
  std::vector<User> users_;
};

}  // namespace modstream
