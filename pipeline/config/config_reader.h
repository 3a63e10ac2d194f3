#pragma once
// Reads YAML into typed structs while collecting every problem with its path, so that start-up
// reports all errors at once: "processing.worker_threads: must be between 1 and 256, got 0".
// Unknown keys are errors. Used only at start-up and on reload, never on the hot path.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace modstream {

class ConfigErrors {
 public:
  void add(std::string path, std::string message);
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& all() const { return errors_; }
  // One error per line, for start-up failures and check-config.
  std::string str() const;

 private:
  std::vector<std::string> errors_;
};

template <class T>
struct Bounds {
  std::optional<T> min;
  std::optional<T> max;
};

// A YAML mapping at a known path. Each field() call reads one key into `out` (leaving the default
// when the key is absent) and marks it known; finish() reports the keys nobody asked for.
class ConfigMap {
 public:
  ConfigMap(YAML::Node node, std::string path, ConfigErrors& errors);

  void field(const std::string& key, std::string& out, bool required = false);
  void field(const std::string& key, bool& out);
  void field(const std::string& key, int64_t& out, Bounds<int64_t> bounds = {});
  void field(const std::string& key, int& out, Bounds<int64_t> bounds = {});
  void field(const std::string& key, double& out, Bounds<double> bounds = {});
  void field(const std::string& key, std::map<std::string, std::string>& out);
  // One of `choices`; the error lists them.
  void choice(const std::string& key, std::string& out, const std::vector<std::string>& choices);
  // A sub-mapping; absent yields an empty map (all defaults).
  ConfigMap child(const std::string& key);
  // A sequence; absent yields an empty vector. Non-sequences are reported.
  std::vector<YAML::Node> sequence(const std::string& key);
  // A raw node handed to another parser (a stage's own config), marked known.
  YAML::Node raw(const std::string& key);

  std::string pathOf(const std::string& key) const;
  const std::string& path() const { return path_; }
  ConfigErrors& errors() { return errors_; }
  bool has(const std::string& key) const;
  void finish();

 private:
  // The value at `key`, or nothing when absent or null; marks the key known.
  std::optional<YAML::Node> lookup(const std::string& key);

  YAML::Node node_;
  std::string path_;
  ConfigErrors& errors_;
  std::set<std::string> known_;
};

// A mapping key as text. A key that is not a scalar (YAML allows `? [a, b]: x`) becomes a
// description with its line, so errors can name it and nothing throws.
std::string keyText(const YAML::Node& key);

// Parses YAML text or a file; syntax errors are added with the file's line and column.
std::optional<YAML::Node> parseYamlFile(const std::string& file, ConfigErrors& errors);

}  // namespace modstream
