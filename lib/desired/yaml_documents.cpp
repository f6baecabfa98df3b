#include "desired/yaml_documents.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <optional>
#include <sstream>

namespace steward::desired {

namespace {

// Remembers where the latest document starts; ignores everything else.
class DocumentStart final : public YAML::EventHandler {
 public:
  YAML::Mark mark;

  void OnDocumentStart(const YAML::Mark& start) override { mark = start; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws where yaml-cpp's parser would start the same document twice.
void check_parser_progresses(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStart start;
  std::optional<int> previous;
  while (parser.HandleNextDocument(start)) {
    if (previous == start.mark.pos) {
      const auto at = static_cast<std::size_t>(start.mark.pos);
      if (at >= text.size()) throw YAML::ParserException(start.mark, "unexpected end of stream");
      const char c = text[at];
      throw YAML::ParserException(start.mark, "unexpected '" + std::string(1, c) + "'" +
                                                  (c == ',' ? " outside [ ] and { }" : ""));
    }
    previous = start.mark.pos;
  }
}

}  // namespace

std::vector<YAML::Node> load_yaml_documents(const std::string& text) {
  check_parser_progresses(text);
  return YAML::LoadAll(text);
}

}  // namespace steward::desired
