#include "console/users.h"

#include <sodium.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <stdexcept>

namespace modstream {
namespace {

void startSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kModerator:
      return "moderator";
    case Role::kLead:
      return "lead";
    case Role::kAdmin:
      return "admin";
  }
  return "moderator";
}

std::optional<Role> parseRole(std::string_view name) {
  for (Role role : {Role::kModerator, Role::kLead, Role::kAdmin}) {
    if (roleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string hashPassword(std::string_view password) {
  startSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  return hash;
}

bool passwordMatches(const std::string& hash, std::string_view password) {
  startSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool validUserName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<UserDirectory> UserDirectory::load(const std::filesystem::path& file,
                                                 ConfigErrors& errors) {
  auto root = parseYamlFile(file.string(), errors);
  if (!root) return std::nullopt;
  const size_t before = errors.all().size();
  ConfigMap map(*root, file.string(), errors);
  std::vector<User> users;
  const auto entries = map.sequence("users");
  for (size_t i = 0; i < entries.size(); ++i) {
    ConfigMap entry(entries[i], map.pathOf("users") + "[" + std::to_string(i) + "]", errors);
    User user;
    std::string role = "moderator";
    entry.field("name", user.name, /*required=*/true);
    entry.choice("role", role, {"moderator", "lead", "admin"});
    entry.field("password_hash", user.password_hash, /*required=*/true);
    user.role = parseRole(role).value_or(Role::kModerator);
    if (!user.name.empty() && !validUserName(user.name)) {
      errors.add(entry.pathOf("name"), "must be 1-64 characters of A-Z a-z 0-9 . _ -");
    }
    if (!user.password_hash.empty() && user.password_hash.rfind("$argon2id$", 0) != 0) {
      errors.add(entry.pathOf("password_hash"),
                 "must be an Argon2id hash (made by `modstream console add-user`)");
    }
    for (const auto& other : users) {
      if (other.name == user.name) {
        errors.add(entry.pathOf("name"), "duplicate user '" + user.name + "'");
      }
    }
    entry.finish();
    users.push_back(std::move(user));
  }
  map.finish();
  if (errors.all().size() != before) return std::nullopt;
  return UserDirectory(std::move(users));
}

void UserDirectory::save(const std::filesystem::path& file, const User& user,
                         ConfigErrors& errors) {
  std::vector<User> users;
  if (std::filesystem::exists(file)) {
    auto existing = load(file, errors);
    if (!existing) return;
    users = existing->all();
  }
  bool replaced = false;
  for (auto& existing : users) {
    if (existing.name == user.name) {
      existing = user;
      replaced = true;
    }
  }
  if (!replaced) users.push_back(user);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "users" << YAML::Value << YAML::BeginSeq;
  for (const auto& u : users) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << u.name << YAML::Key
        << "role" << YAML::Value << std::string(roleName(u.role)) << YAML::Key << "password_hash"
        << YAML::Value << YAML::DoubleQuoted << u.password_hash << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  // Written beside the file and renamed over it, so a reader never sees half a file.
  const auto temporary = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream stream(temporary, std::ios::trunc);
    stream << out.c_str() << "\n";
    if (!stream) {
      errors.add(file.string(), "cannot write " + temporary.string());
      return;
    }
  }
  std::filesystem::permissions(
      temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(temporary, file);
}

const User* UserDirectory::find(std::string_view name) const {
  for (const auto& user : users_) {
    if (user.name == name) return &user;
  }
  return nullptr;
}

const User* UserDirectory::authenticate(std::string_view name, std::string_view password) const {
  const User* user = find(name);
  // An unknown name is checked against a hash of its own, so it costs the same time.
  static const std::string kDecoy = hashPassword("decoy password for unknown user names");
  const bool matches = passwordMatches(user ? user->password_hash : kDecoy, password);
  return user && matches ? user : nullptr;
}

}  // namespace modstream
