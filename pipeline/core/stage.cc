#include "pipeline/core/stage.h"

namespace modstream {

void StageRegistry::add(std::string name, StageFactoryBuilder builder) {
  builders_[std::move(name)] = std::move(builder);
}

std::unique_ptr<StageFactory> StageRegistry::build(const std::string& name,
                                                   const YAML::Node& config,
                                                   const std::string& path,
                                                   const StageEnvironment& env,
                                                   ConfigErrors& errors) const {
  auto it = builders_.find(name);
  if (it == builders_.end()) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    errors.add(path + ".name", "unknown stage '" + name + "' (known stages: " + known + ")");
    return nullptr;
  }
  return it->second(config, path + ".config", env, errors);
}

std::vector<std::string> StageRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, builder] : builders_) out.push_back(name);
  return out;
}

}  // namespace modstream
