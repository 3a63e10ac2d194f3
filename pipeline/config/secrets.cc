#include "pipeline/config/secrets.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace modstream {

void resolveSecretReferences(std::map<std::string, std::string>& properties,
                             const std::string& path, ConfigErrors& errors) {
  for (auto& [name, value] : properties) {
    if (value.size() < 4 || value.rfind("${", 0) != 0 || value.back() != '}') continue;
    const std::string reference = value.substr(2, value.size() - 3);
    const std::string where = path + "." + name;
    if (reference.rfind("env:", 0) == 0) {
      const std::string variable = reference.substr(4);
      const char* found = std::getenv(variable.c_str());
      if (!found || !*found) {
        errors.add(where, "environment variable " + variable + " is not set or empty");
        continue;
      }
      value = found;
    } else if (reference.rfind("file:", 0) == 0) {
      const std::string file = reference.substr(5);
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        errors.add(where, "cannot read secret file '" + file + "'");
        continue;
      }
      value = text.str();
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    } else {
      errors.add(where,
                 "unknown reference '${" + reference + "}' (use ${env:NAME} or ${file:PATH})");
    }
  }
}

bool isSecretProperty(const std::string& name) {
  for (const char* marker :
       {"password", "secret", "key.pem", "certificate.pem", "sasl.jaas", "token"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace modstream
