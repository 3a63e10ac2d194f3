#include "pipeline/kafka/kafka_handles.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <mutex>

namespace modstream {

namespace {

// librdkafka's own log lines go through spdlog, so they share the process's format (JSON lines).
void logThroughSpdlog(const rd_kafka_t* rk, int syslog_level, const char* facility,
                      const char* message) {
  const auto level = syslog_level <= 3   ? spdlog::level::err
                     : syslog_level == 4 ? spdlog::level::warn
                     : syslog_level <= 6 ? spdlog::level::info
                                         : spdlog::level::debug;
  spdlog::log(level, "librdkafka {} {}: {}", rk ? rd_kafka_name(rk) : "", facility, message);
}

}  // namespace

KafkaConf makeKafkaConf(const std::vector<std::map<std::string, std::string>>& properties) {
  KafkaConf conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &logThroughSpdlog);
  std::array<char, 512> error{};
  for (const auto& layer : properties) {
    for (const auto& [name, value] : layer) {
      if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error.data(), error.size()) !=
          RD_KAFKA_CONF_OK) {
        throw KafkaSetupError("Kafka property '" + name + "': " + error.data());
      }
    }
  }
  return conf;
}

KafkaHandle makeKafkaClient(rd_kafka_type_t type, KafkaConf conf) {
  std::array<char, 512> error{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error.data(), error.size());
  if (!rk) throw KafkaSetupError(std::string("cannot create Kafka client: ") + error.data());
  conf.release();  // rd_kafka_new took ownership
  return KafkaHandle(rk);
}

namespace {

// The first error the client reports (error_cb, served by rd_kafka_poll), for
// checkClusterReachable's message.
struct FirstClientError {
  std::mutex mutex;
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string text;
  static void record(rd_kafka_t*, int code, const char* reason, void* opaque) {
    auto* self = static_cast<FirstClientError*>(opaque);
    std::lock_guard lock(self->mutex);
    if (!self->text.empty()) return;
    self->code = static_cast<rd_kafka_resp_err_t>(code);
    self->text = reason;
  }
  // Retrying cannot fix these: stop waiting at once.
  bool hopeless() {
    std::lock_guard lock(mutex);
    return code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__SSL;
  }
};

}  // namespace

void checkClusterReachable(const std::string& bootstrap_servers,
                           const std::map<std::string, std::string>& properties, int timeout_ms) {
  FirstClientError first_error;
  KafkaConf conf = makeKafkaConf({{{"bootstrap.servers", bootstrap_servers}}, properties});
  rd_kafka_conf_set_error_cb(conf.get(), &FirstClientError::record);
  rd_kafka_conf_set_opaque(conf.get(), &first_error);
  KafkaHandle client = makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
  while (std::chrono::steady_clock::now() < deadline && !first_error.hopeless()) {
    const rd_kafka_metadata_t* metadata = nullptr;
    err = rd_kafka_metadata(client.get(), 0, nullptr, &metadata, 500);
    if (metadata) rd_kafka_metadata_destroy(metadata);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    rd_kafka_poll(client.get(), 0);  // serves error_cb
  }
  std::lock_guard lock(first_error.mutex);
  throw KafkaSetupError("no Kafka broker at " + bootstrap_servers + " answered (" +
                        rd_kafka_err2str(err) + ")" +
                        (first_error.text.empty() ? "" : ": " + first_error.text));
}

rd_kafka_resp_err_t produceRecord(rd_kafka_t* producer, const std::string& topic,
                                  const std::optional<std::string>& key, const std::string& value,
                                  const std::vector<Header>& headers, void* opaque,
                                  std::optional<int32_t> partition, bool tombstone) {
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
  for (const auto& h : headers) {
    rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  std::array<rd_kafka_vu_t, 7> fields{};
  fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  fields[0].u.cstr = topic.c_str();
  fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  fields[1].u.i = RD_KAFKA_MSG_F_COPY;
  fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
  fields[2].u.mem.ptr = tombstone ? nullptr : const_cast<char*>(value.data());
  fields[2].u.mem.size = tombstone ? 0 : value.size();
  fields[3].vtype = RD_KAFKA_VTYPE_HEADERS;
  fields[3].u.headers = hdrs;
  fields[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
  fields[4].u.ptr = opaque;
  size_t count = 5;
  if (key) {
    fields[5].vtype = RD_KAFKA_VTYPE_KEY;
    fields[5].u.mem.ptr = const_cast<char*>(key->data());
    fields[5].u.mem.size = key->size();
    count = 6;
  }
  if (partition) {
    fields[count].vtype = RD_KAFKA_VTYPE_PARTITION;
    fields[count].u.i32 = *partition;
    ++count;
  }
  rd_kafka_error_t* error = rd_kafka_produceva(producer, fields.data(), count);
  if (!error) return RD_KAFKA_RESP_ERR_NO_ERROR;
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  rd_kafka_headers_destroy(hdrs);  // not taken over on failure
  return code;
}

std::vector<Header> messageHeaders(rd_kafka_message_t* message) {
  std::vector<Header> headers;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(message, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs) {
    return headers;
  }
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    headers.push_back({name, value ? std::string(static_cast<const char*>(value), size) : ""});
  }
  return headers;
}

void createTopics(const std::string& bootstrap_servers,
                  const std::map<std::string, std::string>& client_properties,
                  const std::vector<TopicSpec>& topics, int timeout_ms) {
  KafkaHandle admin = makeKafkaClient(
      RD_KAFKA_PRODUCER,
      makeKafkaConf({{{"bootstrap.servers", bootstrap_servers}}, client_properties}));
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  std::array<char, 512> error{};
  for (const auto& topic : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions, 1, error.data(), error.size());
    if (!nt) throw KafkaSetupError("topic '" + topic.name + "': " + error.data());
    for (const auto& [name, value] : topic.config) {
      rd_kafka_NewTopic_set_config(nt, name.c_str(), value.c_str());
    }
    new_topics.push_back(nt);
  }
  std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter> queue(rd_kafka_queue_new(admin.get()));
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, error.data(), error.size());
  rd_kafka_CreateTopics(admin.get(), new_topics.data(), new_topics.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());

  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), timeout_ms + 5000);
  if (!event) throw KafkaSetupError("creating topics timed out at " + bootstrap_servers);
  std::string failure;
  if (rd_kafka_event_error(event)) {
    failure = rd_kafka_event_error_string(event);
  } else {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        failure += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                   rd_kafka_topic_result_error_string(results[i]) + "; ";
      }
    }
  }
  rd_kafka_event_destroy(event);
  if (!failure.empty()) throw KafkaSetupError("creating topics failed: " + failure);
}

}  // namespace modstream
