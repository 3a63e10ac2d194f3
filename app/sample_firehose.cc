#include "app/sample_firehose.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>

namespace modstream {

FirehoseLoad loadSampleFirehose(const std::filesystem::path& file) {
  FirehoseLoad load;
  std::ifstream in(file);
  if (!in) {
    load.errors.push_back(file.string() + ": cannot be opened");
    return load;
  }
  simdjson::dom::parser parser;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    simdjson::dom::object obj;
    if (parser.parse(line).get_object().get(obj) != simdjson::SUCCESS) {
      load.errors.push_back(where + ": not a JSON object");
      continue;
    }
    FirehoseRecord record;
    std::string_view text;
    if (obj["topic"].get_string().get(text) != simdjson::SUCCESS ||
        (text != "posts" && text != "media")) {
      load.errors.push_back(where + ": field 'topic' must be \"posts\" or \"media\"");
      continue;
    }
    record.topic = std::string(text);
    if (obj["key"].get_string().get(text) == simdjson::SUCCESS) record.key = std::string(text);
    if (obj["note"].get_string().get(text) == simdjson::SUCCESS) record.note = std::string(text);
    simdjson::dom::element value;
    if (obj["value"].get(value) == simdjson::SUCCESS) {
      record.value = simdjson::minify(value);
    } else if (obj["value_text"].get_string().get(text) == simdjson::SUCCESS) {
      record.value = std::string(text);
    } else if (obj["value_file"].get_string().get(text) == simdjson::SUCCESS) {
      const auto path = file.parent_path() / std::string(text);
      std::ifstream bytes(path, std::ios::binary);
      if (!bytes) {
        load.errors.push_back(where + ": value_file not found: " + path.string());
        continue;
      }
      std::ostringstream buffer;
      buffer << bytes.rdbuf();
      record.value = buffer.str();
    } else {
      load.errors.push_back(where + ": one of 'value', 'value_text' or 'value_file' is required");
      continue;
    }
    simdjson::dom::object headers;
    if (obj["headers"].get_object().get(headers) == simdjson::SUCCESS) {
      for (auto field : headers) {
        std::string_view header_value;
        if (field.value.get_string().get(header_value) != simdjson::SUCCESS) {
          load.errors.push_back(where + ": header '" + std::string(field.key) +
                                "' must be a string");
          continue;
        }
        record.headers.push_back({std::string(field.key), std::string(header_value)});
      }
    }
    load.records.push_back(std::move(record));
  }
  return load;
}

}  // namespace modstream
