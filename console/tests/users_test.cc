#include "console/users.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace modstream;

TEST_CASE("passwords are stored as Argon2id hashes and verified by libsodium", "[console]") {
  const std::string hash = hashPassword("correct horse battery staple");
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(hash.find("correct horse") == std::string::npos);
  CHECK(hashPassword("correct horse battery staple") != hash);  // a fresh salt each time
  CHECK(passwordMatches(hash, "correct horse battery staple"));
  CHECK_FALSE(passwordMatches(hash, "correct horse battery stapl"));
  CHECK_FALSE(passwordMatches("not a hash", "anything"));
}

TEST_CASE("the users file is written and read back, and its errors name the entry", "[console]") {
  const auto dir = std::filesystem::temp_directory_path() / "modstream-console-users-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "users.yaml";
  ConfigErrors errors;
  UserDirectory::save(file, {"alice", Role::kModerator, hashPassword("a-secret")}, errors);
  UserDirectory::save(file, {"bob", Role::kLead, hashPassword("b-secret")}, errors);
  UserDirectory::save(file, {"alice", Role::kAdmin, hashPassword("new-secret")}, errors);
  REQUIRE(errors.empty());
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  auto users = UserDirectory::load(file, errors);
  INFO(errors.str());
  REQUIRE(users);
  CHECK(users->all().size() == 2);
  CHECK(users->find("alice")->role == Role::kAdmin);
  CHECK(users->authenticate("alice", "new-secret") == users->find("alice"));
  CHECK_FALSE(users->authenticate("alice", "a-secret"));
  CHECK(users->authenticate("bob", "b-secret"));
  CHECK_FALSE(users->authenticate("nobody", "b-secret"));

  std::ofstream(file) << "users:\n"
                         "  - {name: carol, role: boss, password_hash: plain}\n"
                         "  - {name: \"d e\", password_hash: \"$argon2id$x\"}\n"
                         "  - {role: lead}\n";
  ConfigErrors bad;
  CHECK_FALSE(UserDirectory::load(file, bad));
  const std::string all = bad.str();
  INFO(all);
  CHECK(all.find("users[0].role: must be one of moderator, lead, admin") != std::string::npos);
  CHECK(all.find("users[0].password_hash: must be an Argon2id hash") != std::string::npos);
  CHECK(all.find("users[1].name: must be 1-64 characters") != std::string::npos);
  CHECK(all.find("users[2].name: is required") != std::string::npos);
  std::filesystem::remove_all(dir);
}
