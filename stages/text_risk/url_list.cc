#include "stages/text_risk/url_list.h"

// fast-cpp-csv-parser copies file names with strncpy, which gcc 12 flags when inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop
#include <uriparser/Uri.h>

#include <algorithm>
#include <cctype>

namespace modstream {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view range(const UriTextRangeA& r) {
  if (!r.first || !r.afterLast) return {};
  return {r.first, static_cast<size_t>(r.afterLast - r.first)};
}

bool hostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// A host name made of labels, the last of them two or more letters ("example.com", not "1.5").
bool looksLikeDomain(std::string_view host) {
  const size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || host.size() - dot - 1 < 2) return false;
  if (host.find("..") != std::string_view::npos) return false;
  return std::all_of(host.begin() + static_cast<ptrdiff_t>(dot) + 1, host.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) &&
         std::all_of(host.begin(), host.end(), hostChar);
}

// Undoes the usual defanging: "hxxp" for "http", "[.]" and "(.)" for ".".
std::string refang(std::string_view token) {
  std::string out(token);
  for (const char* fang : {"[.]", "(.)"}) {
    for (size_t at = out.find(fang); at != std::string::npos; at = out.find(fang, at)) {
      out.replace(at, std::string_view(fang).size(), ".");
    }
  }
  if (lower(out.substr(0, 4)) == "hxxp") out.replace(0, 4, "http");
  return out;
}

}  // namespace

std::optional<NormalizedUrl> normalizeUrl(std::string_view url) {
  std::string text(url);
  if (text.find("://") == std::string::npos) text = "http://" + text;
  UriUriA uri;
  const char* error_at = nullptr;
  if (uriParseSingleUriExA(&uri, text.data(), text.data() + text.size(), &error_at) !=
      URI_SUCCESS) {
    return std::nullopt;
  }
  std::optional<NormalizedUrl> result;
  if (uriNormalizeSyntaxA(&uri) == URI_SUCCESS && !range(uri.hostText).empty()) {
    const std::string scheme = lower(range(uri.scheme));
    const std::string port(range(uri.portText));
    NormalizedUrl out;
    out.host = lower(range(uri.hostText));
    if (out.host.rfind("www.", 0) == 0) out.host.erase(0, 4);
    while (!out.host.empty() && out.host.back() == '.') out.host.pop_back();  // "example.com."
    if (!port.empty() && !(port == "80" && scheme == "http") &&
        !(port == "443" && scheme == "https")) {
      out.host += ":" + port;
    }
    for (auto* segment = uri.pathHead; segment; segment = segment->next) {
      out.path_and_query += "/";
      out.path_and_query += range(segment->text);
    }
    while (!out.path_and_query.empty() && out.path_and_query.back() == '/') {
      out.path_and_query.pop_back();
    }
    if (const auto query = range(uri.query); !query.empty()) {
      out.path_and_query += "?";
      out.path_and_query += query;
    }
    if (!out.host.empty()) result = std::move(out);
  }
  uriFreeUriMembersA(&uri);
  return result;
}

std::vector<FoundUrl> findUrls(std::string_view text) {
  std::vector<FoundUrl> found;
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; };
  // Every URL holds a dot ("[.]" when defanged): visit only the words around one, found with
  // memchr-speed searches, so text without URLs costs little more than one pass.
  for (size_t dot = text.find('.'); dot != std::string_view::npos;) {
    size_t begin = dot, end = dot;
    while (begin > 0 && !space(text[begin - 1])) --begin;
    while (end < text.size() && !space(text[end])) ++end;
    dot = text.find('.', end);
    // Punctuation around a URL belongs to the sentence: "(see example.com/x)."
    while (begin < end && std::string_view("(<\"'[").find(text[begin]) != std::string_view::npos) {
      ++begin;
    }
    while (end > begin &&
           std::string_view(".,;:!?)>\"']").find(text[end - 1]) != std::string_view::npos) {
      --end;
    }
    if (begin >= end) continue;
    const std::string token = refang(text.substr(begin, end - begin));
    const std::string head = lower(token.substr(0, 8));
    const bool has_scheme = head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
    if (!has_scheme) {
      const std::string host = lower(token.substr(0, token.find_first_of("/?#")));
      if (!looksLikeDomain(host)) continue;
    }
    found.push_back({token, begin, end});
  }
  return found;
}

void UrlList::load(const std::string& list_name, const std::string& path, ConfigErrors& errors) {
  try {
    io::CSVReader<3, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>> reader(path);
    reader.read_header(io::ignore_missing_column, "entry_id", "url", "category");
    if (!reader.has_column("entry_id") || !reader.has_column("url")) {
      errors.add(path + ":1", "the header must name the columns entry_id and url");
      return;
    }
    std::string entry_id, url, category;
    while (true) {
      try {
        category.clear();
        if (!reader.read_row(entry_id, url, category)) break;
      } catch (const io::error::base& e) {
        errors.add(path + ":" + std::to_string(reader.get_file_line()), e.what());
        continue;
      }
      const std::string where = path + ":" + std::to_string(reader.get_file_line());
      if (entry_id.empty()) {
        errors.add(where, "entry_id is empty");
        continue;
      }
      const auto normalized = normalizeUrl(refang(url));
      if (!normalized) {
        errors.add(where, "'" + url + "' is not a URL with a host");
        continue;
      }
      entries_.push_back({list_name, entry_id, url, category});
      const size_t index = entries_.size() - 1;
      if (normalized->path_and_query.empty()) {
        hosts_[normalized->host].push_back(index);
      } else {
        pages_[normalized->host + normalized->path_and_query].push_back(index);
      }
    }
  } catch (const io::error::base& e) {
    errors.add(path, e.what());
  }
}

std::vector<const UrlListEntry*> UrlList::match(const NormalizedUrl& url) const {
  std::vector<const UrlListEntry*> out;
  auto collect = [&](const auto& map, const std::string& key) {
    if (auto it = map.find(key); it != map.end()) {
      for (size_t index : it->second) out.push_back(&entries_[index]);
    }
  };
  if (!url.path_and_query.empty()) collect(pages_, url.host + url.path_and_query);
  // The host and each parent domain: a listed "example.com" covers "cdn.example.com".
  for (size_t from = 0; from != std::string::npos;) {
    collect(hosts_, url.host.substr(from));
    const size_t dot = url.host.find('.', from);
    from = dot == std::string::npos ? dot : dot + 1;
  }
  return out;
}

}  // namespace modstream
