#pragma once
// Secrets in config: a Kafka property value may name where its secret is instead of holding it,
//   sasl.password: "${env:KAFKA_PASSWORD}"      # an environment variable
//   ssl.key.password: "${file:/run/secrets/key-password}"   # a file (trailing newline dropped)
// resolved once at start-up. Whatever their source, properties whose name says secret are
// redacted when the effective config is printed, and no command logs property values.

#include <map>
#include <string>

#include "pipeline/config/config_reader.h"

namespace modstream {

// Replaces ${env:NAME} and ${file:PATH} values in `properties`; problems are added with
// `path.<property>`.
void resolveSecretReferences(std::map<std::string, std::string>& properties,
                             const std::string& path, ConfigErrors& errors);

// Whether a librdkafka property holds a secret (sasl.password, ssl.key.password, ssl.key.pem,
// sasl.oauthbearer.client.secret, ...).
bool isSecretProperty(const std::string& name);

inline constexpr const char* kRedacted = "<redacted>";

}  // namespace modstream
