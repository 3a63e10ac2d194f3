#include "pipeline/config/config_reader.h"

#include <fstream>
#include <sstream>

namespace modstream {

void ConfigErrors::add(std::string path, std::string message) {
  errors_.push_back(path.empty() ? std::move(message) : path + ": " + message);
}

std::string ConfigErrors::str() const {
  std::string out;
  for (const auto& e : errors_) out += e + "\n";
  return out;
}

ConfigMap::ConfigMap(YAML::Node node, std::string path, ConfigErrors& errors)
    : node_(std::move(node)), path_(std::move(path)), errors_(errors) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) {
    errors_.add(path_.empty() ? "(top level)" : path_, "expected a mapping of keys to values");
    node_ = YAML::Node();
  }
}

std::string ConfigMap::pathOf(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool ConfigMap::has(const std::string& key) const {
  if (!node_ || !node_.IsMap()) return false;
  const YAML::Node& map = node_;
  return map[key].IsDefined() && !map[key].IsNull();
}

std::optional<YAML::Node> ConfigMap::lookup(const std::string& key) {
  known_.insert(key);
  if (!node_ || !node_.IsMap()) return std::nullopt;
  // Look up through a const node: operator[] on a mutable node inserts the key.
  const YAML::Node& map = node_;
  YAML::Node value = map[key];
  if (!value.IsDefined() || value.IsNull()) return std::nullopt;
  return value;
}

void ConfigMap::field(const std::string& key, std::string& out, bool required) {
  std::optional<YAML::Node> found = lookup(key);
  if (!found) {
    if (required) errors_.add(pathOf(key), "is required");
    return;
  }
  const YAML::Node& value = *found;
  if (!value.IsScalar()) {
    errors_.add(pathOf(key), "expected a string");
    return;
  }
  out = value.Scalar();
  if (required && out.empty()) errors_.add(pathOf(key), "must not be empty");
}

void ConfigMap::field(const std::string& key, bool& out) {
  std::optional<YAML::Node> found = lookup(key);
  if (!found) return;
  const YAML::Node& value = *found;
  if (!value.IsScalar() || !YAML::convert<bool>::decode(value, out)) {
    errors_.add(pathOf(key), "expected true or false, got '" + YAML::Dump(value) + "'");
  }
}

void ConfigMap::field(const std::string& key, int64_t& out, Bounds<int64_t> bounds) {
  std::optional<YAML::Node> found = lookup(key);
  if (!found) return;
  const YAML::Node& value = *found;
  int64_t parsed = 0;
  if (!value.IsScalar() || !YAML::convert<int64_t>::decode(value, parsed)) {
    errors_.add(pathOf(key), "expected an integer, got '" + YAML::Dump(value) + "'");
    return;
  }
  if ((bounds.min && parsed < *bounds.min) || (bounds.max && parsed > *bounds.max)) {
    std::string range = bounds.max ? "between " + std::to_string(bounds.min.value_or(INT64_MIN)) +
                                         " and " + std::to_string(*bounds.max)
                                   : "at least " + std::to_string(*bounds.min);
    errors_.add(pathOf(key), "must be " + range + ", got " + std::to_string(parsed));
    return;
  }
  out = parsed;
}

void ConfigMap::field(const std::string& key, int& out, Bounds<int64_t> bounds) {
  int64_t wide = out;
  field(key, wide, bounds);
  out = static_cast<int>(wide);
}

void ConfigMap::field(const std::string& key, double& out, Bounds<double> bounds) {
  std::optional<YAML::Node> found = lookup(key);
  if (!found) return;
  const YAML::Node& value = *found;
  double parsed = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, parsed)) {
    errors_.add(pathOf(key), "expected a number, got '" + YAML::Dump(value) + "'");
    return;
  }
  if ((bounds.min && parsed < *bounds.min) || (bounds.max && parsed > *bounds.max)) {
    std::ostringstream msg;
    msg << "must be between " << bounds.min.value_or(-1e300) << " and "
        << bounds.max.value_or(1e300) << ", got " << parsed;
    errors_.add(pathOf(key), msg.str());
    return;
  }
  out = parsed;
}

void ConfigMap::field(const std::string& key, std::map<std::string, std::string>& out) {
  std::optional<YAML::Node> found = lookup(key);
  if (!found) return;
  const YAML::Node& value = *found;
  if (!value.IsMap()) {
    errors_.add(pathOf(key), "expected a mapping of names to values");
    return;
  }
  for (const auto& entry : value) {
    if (!entry.second.IsScalar()) {
      errors_.add(pathOf(key) + "." + keyText(entry.first), "expected a scalar value");
      continue;
    }
    if (!entry.first.IsScalar()) {
      errors_.add(pathOf(key) + "." + keyText(entry.first), "a name must be a plain string");
      continue;
    }
    out[entry.first.Scalar()] = entry.second.Scalar();
  }
}

void ConfigMap::choice(const std::string& key, std::string& out,
                       const std::vector<std::string>& choices) {
  std::string value = out;
  field(key, value);
  for (const auto& c : choices) {
    if (c == value) {
      out = value;
      return;
    }
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  errors_.add(pathOf(key), "must be one of " + list + ", got '" + value + "'");
}

ConfigMap ConfigMap::child(const std::string& key) {
  return ConfigMap(lookup(key).value_or(YAML::Node()), pathOf(key), errors_);
}

std::vector<YAML::Node> ConfigMap::sequence(const std::string& key) {
  std::optional<YAML::Node> found = lookup(key);
  std::vector<YAML::Node> items;
  if (!found) return items;
  const YAML::Node& value = *found;
  if (!value.IsSequence()) {
    errors_.add(pathOf(key), "expected a list");
    return items;
  }
  for (const auto& item : value) items.push_back(item);
  return items;
}

std::string keyText(const YAML::Node& key) {
  if (key.IsScalar()) return key.Scalar();
  return "(a non-scalar key at line " + std::to_string(key.Mark().line + 1) + ")";
}

YAML::Node ConfigMap::raw(const std::string& key) {
  return lookup(key).value_or(YAML::Node());
}

void ConfigMap::finish() {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& entry : node_) {
    const std::string key = keyText(entry.first);
    if (!entry.first.IsScalar() || !known_.count(key)) {
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      errors_.add(pathOf(key), "unknown key (known keys here: " + list + ")");
    }
  }
}

std::optional<YAML::Node> parseYamlFile(const std::string& file, ConfigErrors& errors) {
  std::ifstream in(file);
  if (!in) {
    errors.add(file, "cannot be opened");
    return std::nullopt;
  }
  try {
    return YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    errors.add(
        file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
        "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace modstream
