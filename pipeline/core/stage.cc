#include "pipeline/core/stage.h"

#include <fmt/format.h>

#include <algorithm>

namespace modstream {

void StageRegistry::add(std::string name, StageFactoryBuilder builder, SignalFlow flow) {
  entries_[std::move(name)] = {std::move(builder), std::move(flow)};
}

void StageRegistry::checkOrder(const std::vector<ChainedStage>& chain, ConfigErrors& errors) const {
  for (size_t reader = 0; reader < chain.size(); ++reader) {
    auto needing = entries_.find(chain[reader].name);
    if (needing == entries_.end()) continue;
    for (SignalKind needed : needing->second.flow.needs) {
      for (size_t provider = reader + 1; provider < chain.size(); ++provider) {
        auto providing = entries_.find(chain[provider].name);
        if (providing == entries_.end()) continue;
        const auto& provides = providing->second.flow.provides;
        if (std::find(provides.begin(), provides.end(), needed) == provides.end()) continue;
        errors.add(chain[reader].path + ".name",
                   fmt::format("{} needs the {} signal, which {} ({}) provides only after it: put "
                               "{} before {}",
                               chain[reader].name, signalKindName(needed), chain[provider].name,
                               chain[provider].path, chain[provider].name, chain[reader].name));
        break;
      }
    }
  }
}

std::unique_ptr<StageFactory> StageRegistry::build(const std::string& name,
                                                   const YAML::Node& config,
                                                   const std::string& path,
                                                   const StageEnvironment& env,
                                                   ConfigErrors& errors) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    errors.add(path + ".name", "unknown stage '" + name + "' (known stages: " + known + ")");
    return nullptr;
  }
  return it->second.build(config, path + ".config", env, errors);
}

std::vector<std::string> StageRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

}  // namespace modstream
