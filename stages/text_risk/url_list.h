#pragma once
// URL lists in the style of the IWF URL list: known pages (an exact URL) and whole hosts (a
// domain with no path, which covers its subdomains), matched against every URL found in a post's
// text. Both sides are normalised with uriparser (RFC 3986 syntax normalisation: case, percent
// encoding, dot segments), then the scheme, "www.", default ports, fragments and a trailing "/"
// are ignored, so "HTTPS://WWW.Example.com:443/a/./b/#x" and "example.com/a/b" are one page.
// Defanged spellings ("hxxp://", "example[.]com") are read as URLs too.
//
// List files are CSV with a header: entry_id,url,category (category optional, e.g. A/B/C).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/config/config_reader.h"

namespace modstream {

struct UrlListEntry {
  std::string list;      // the list's name from config
  std::string entry_id;  // the entry's id in the list file
  std::string url;       // as written in the list
  std::string list_category;
};

// A URL found in text, with its byte span in the original text.
struct FoundUrl {
  std::string url;  // as written (defanging undone)
  size_t begin;
  size_t end;
};

// The comparable form of a URL: host (lower case, no "www.") and path with query; nullopt when
// the text is not a URL with a host.
struct NormalizedUrl {
  std::string host;
  std::string path_and_query;  // "" for the host alone
};
std::optional<NormalizedUrl> normalizeUrl(std::string_view url);

// Every URL-like token in `text`: http(s)/hxxp URLs, www. names, and bare domain names with a path
// or a known shape (labels of letters, digits and hyphens, a top-level label of letters).
std::vector<FoundUrl> findUrls(std::string_view text);

class UrlList {
 public:
  // Appends the entries of one CSV file; bad lines are reported as file:line in `errors`.
  void load(const std::string& list_name, const std::string& path, ConfigErrors& errors);
  // The entries that cover `url`: its exact page, its host, or a parent domain of its host.
  std::vector<const UrlListEntry*> match(const NormalizedUrl& url) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<UrlListEntry> entries_;
  std::unordered_map<std::string, std::vector<size_t>> pages_;  // host + path -> entries
  std::unordered_map<std::string, std::vector<size_t>> hosts_;  // host -> entries
};

}  // namespace modstream
