#include "stages/text_risk/url_list.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

using namespace modstream;

namespace {

std::string key(const std::string& url) {
  const auto normalized = normalizeUrl(url);
  REQUIRE(normalized);
  return normalized->host + normalized->path_and_query;
}

UrlList listOf(const std::string& csv, ConfigErrors& errors) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("modstream-urls-" + std::to_string(std::random_device{}()) + ".csv");
  std::ofstream(path) << csv;
  UrlList list;
  list.load("test-list", path.string(), errors);
  return list;
}

}  // namespace

TEST_CASE("URLs normalise to one comparable form", "[urls]") {
  CHECK(key("HTTPS://WWW.Example.com:443/a/./b/#x") == "example.com/a/b");
  CHECK(key("http://example.com/a/b/") == "example.com/a/b");
  CHECK(key("example.com/a/../b?x=1") == "example.com/b?x=1");
  CHECK(key("http://example.com:8080/") == "example.com:8080");
  CHECK(key("http://example.com/%7Euser") == "example.com/~user");
  CHECK_FALSE(normalizeUrl("not a url"));
}

TEST_CASE("URLs are found in text with their original spans", "[urls]") {
  const std::string text =
      "see (https://files.example.test/share/abc?id=9). also www.Example.com, "
      "hxxp://bad-site[.]example[.]test/x and 3.5 or file.txt? no: v1.2";
  const auto found = findUrls(text);
  std::vector<std::string> urls, spans;
  for (const auto& f : found) {
    urls.push_back(f.url);
    spans.push_back(text.substr(f.begin, f.end - f.begin));
  }
  CHECK(urls == std::vector<std::string>{"https://files.example.test/share/abc?id=9",
                                         "www.Example.com", "http://bad-site.example.test/x",
                                         "file.txt"});
  CHECK(spans[2] == "hxxp://bad-site[.]example[.]test/x");
}

TEST_CASE("a list matches exact pages and whole hosts with their subdomains", "[urls]") {
  ConfigErrors errors;
  const UrlList list = listOf(
      "entry_id,url,category\n"
      "P1,http://example.test/gallery/123,A\n"
      "H1,bad.example.test,C\n",
      errors);
  REQUIRE(errors.empty());
  auto ids = [&](const std::string& url) {
    std::vector<std::string> out;
    for (const auto* entry : list.match(*normalizeUrl(url))) out.push_back(entry->entry_id);
    return out;
  };
  CHECK(ids("https://www.example.test/gallery/123/") == std::vector<std::string>{"P1"});
  CHECK(ids("http://example.test/gallery/124").empty());
  CHECK(ids("http://example.test/").empty());  // a listed page does not list its host
  CHECK(ids("http://bad.example.test/anything") == std::vector<std::string>{"H1"});
  CHECK(ids("http://cdn.bad.example.test/x") == std::vector<std::string>{"H1"});
  CHECK(ids("http://notbad.example.test/x").empty());
}

TEST_CASE("bad list lines are reported with file and line", "[urls]") {
  ConfigErrors errors;
  listOf("entry_id,url,category\nP1,http://example.test/a,A\n,http://x.test/,A\nP3,not a url,B\n",
         errors);
  REQUIRE(errors.all().size() == 2);
  CHECK(errors.all()[0].find(".csv:3") != std::string::npos);
  CHECK(errors.all()[0].find("entry_id is empty") != std::string::npos);
  CHECK(errors.all()[1].find(".csv:4") != std::string::npos);
  CHECK(errors.all()[1].find("not a URL") != std::string::npos);
}
