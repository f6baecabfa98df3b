#include "desired/yaml_documents.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

namespace steward::desired {

namespace {

// Walks the events of a stream: remembers where the latest document starts, counts nodes and
// nesting, and checks that every quoted scalar is closed.
class DocumentWalk final : public YAML::EventHandler {
 public:
  // `text` without a byte order mark: yaml-cpp skips one and counts positions after it.
  DocumentWalk(std::string_view text, std::size_t max_nodes, int max_depth)
      : text_(text), max_nodes_(max_nodes), max_depth_(max_depth) {}

  YAML::Mark start;

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { count(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    count(mark);
    check_closed(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value style) override {
    open(mark, {mark, style == YAML::EmitterStyle::Flow, false});
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    open(mark, {mark, style == YAML::EmitterStyle::Flow, true});
  }
  void OnMapEnd() override { open_.pop_back(); }

  // Rethrows a syntax error of yaml-cpp's where the mistake is, when its own place is elsewhere.
  [[noreturn]] void rethrow_explained(const YAML::ParserException& e) const {
    // An unclosed `[` or `{` is reported at the end of the stream; the bracket never closed is
    // the innermost open flow collection of that kind.
    const bool map = e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW;
    if (map || e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
      for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
        if (it->flow && it->map == map)
          throw YAML::ParserException(it->mark, e.msg + std::string(": the '") +
                                                    (map ? '{' : '[') + "' here is never closed");
      }
    }
    // yaml-cpp says nothing of tabs, which YAML forbids in indentation ("illegal map value" at
    // the colon after `<TAB>name`): on a line indented with a tab, the error is the tab.
    if (e.mark.pos >= 0 && static_cast<std::size_t>(e.mark.pos) <= text_.size()) {
      const auto pos = static_cast<std::size_t>(e.mark.pos);
      const std::size_t newline = pos == 0 ? std::string_view::npos : text_.rfind('\n', pos - 1);
      const std::size_t begin = newline == std::string_view::npos ? 0 : newline + 1;
      const std::size_t indent_end = std::min(text_.find_first_not_of(" \t", begin), text_.size());
      if (const std::size_t tab = text_.find('\t', begin); tab < indent_end) {
        YAML::Mark at = e.mark;
        at.column = static_cast<int>(tab - begin);
        at.pos = static_cast<int>(tab);
        throw YAML::ParserException(
            at, e.msg + " (a tab indents this line; YAML indents with spaces only)");
      }
    }
    throw e;
  }

 private:
  void count(const YAML::Mark& mark) {
    if (++nodes_ <= max_nodes_) return;
    throw LimitExceeded(mark, "more than " + std::to_string(max_nodes_) +
                                 " keys and values in one file (a limit that bounds the "
                                 "parser's memory)");
  }

  struct Open {
    YAML::Mark mark;
    bool flow = false;
    bool map = false;
  };

  // The same depth the conversion counts (yaml_json.hpp): the root is 0.
  void open(const YAML::Mark& mark, Open collection) {
    count(mark);
    if (open_.size() > static_cast<std::size_t>(max_depth_))
      throw LimitExceeded(mark, "nesting deeper than " + std::to_string(max_depth_) + " levels");
    open_.push_back(collection);
  }

  // yaml-cpp 0.7 ends a quoted scalar at the end of the stream without complaint when a line
  // break comes before it, so `name: "web` followed by the rest of the file reads as one string
  // holding the rest of the file. A quoted scalar's extent depends only on its quotes, so it is
  // checked here against the text. The mark is that of the node, before its tag or anchor.
  void check_closed(const YAML::Mark& mark) {
    std::size_t at = static_cast<std::size_t>(mark.pos);
    YAML::Mark quote = mark;
    while (at < text_.size()) {  // skip `!tag` and `&anchor` properties and the space after them
      const char c = text_[at];
      if (c == '!' || c == '&') {
        while (at < text_.size() && !is_space(text_[at])) advance(at, quote);
      } else if (is_space(c)) {
        advance(at, quote);
      } else {
        break;
      }
    }
    if (at >= text_.size() || (text_[at] != '"' && text_[at] != '\'')) return;
    const char delimiter = text_[at];
    for (std::size_t i = at + 1; i < text_.size(); ++i) {
      if (delimiter == '"' && text_[i] == '\\') {
        ++i;  // an escape: the next character is content, a quote included
      } else if (text_[i] == delimiter) {
        if (delimiter == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is a quote inside a single-quoted scalar
          continue;
        }
        return;
      }
    }
    throw YAML::ParserException(quote, std::string("the quoted string starting here has no "
                                                   "closing ") + delimiter);
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void advance(std::size_t& at, YAML::Mark& mark) const {
    if (text_[at] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
    ++mark.pos;
    ++at;
  }

  const std::string_view text_;
  const std::size_t max_nodes_;
  const int max_depth_;
  std::size_t nodes_ = 0;
  std::vector<Open> open_;  // the collections open at this point of the stream, outermost first
};

// Throws where yaml-cpp's parser would start the same document twice, and where the walk above
// finds the text wanting.
void walk_documents(const std::string& full, std::size_t max_nodes, int max_depth) {
  std::istringstream in(full);
  YAML::Parser parser(in);
  std::string_view text = full;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  DocumentWalk walk(text, max_nodes, max_depth);
  std::optional<int> previous;
  while (true) {
    try {
      if (!parser.HandleNextDocument(walk)) return;
    } catch (const YAML::ParserException& e) {
      walk.rethrow_explained(e);
    }
    if (previous == walk.start.pos) {
      const auto at = static_cast<std::size_t>(walk.start.pos);
      if (at >= text.size()) throw YAML::ParserException(walk.start, "unexpected end of stream");
      const char c = text[at];
      throw YAML::ParserException(walk.start, "unexpected '" + std::string(1, c) + "'" +
                                                  (c == ',' ? " outside [ ] and { }" : ""));
    }
    previous = walk.start.pos;
  }
}

}  // namespace

std::vector<YAML::Node> load_yaml_documents(const std::string& text, std::size_t max_nodes,
                                            int max_depth) {
  walk_documents(text, max_nodes, max_depth);
  return YAML::LoadAll(text);
}

}  // namespace steward::desired
