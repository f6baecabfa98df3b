#include "reconcile/object_diff.hpp"

#include <algorithm>
#include <cstddef>

#include "desired/yaml_writer.hpp"

namespace steward::reconcile {
namespace {

using Lines = std::vector<std::string>;

struct Edit {
  char op;  // ' ' both sides, '-' before only, '+' after only
  const std::string* line;
};

// Beyond this many differing lines the shortest script costs more than it is worth (memory grows
// with its square): the rest of the middle is shown as removed, then added.
constexpr int kMaxEdits = 2000;

// Myers' O(ND) shortest edit script of before[0, n) -> after[0, m), appended to `out`. The
// furthest-reaching x per diagonal k is kept for every d (only diagonals -d-1 .. d+1, so the
// trace is O(D^2)), then walked back from (n, m).
void myers(const std::string* before, int n, const std::string* after, int m,
           std::vector<Edit>& out) {
  const int max = std::min(n + m, kMaxEdits);
  std::vector<int> v(2 * static_cast<std::size_t>(max) + 3, 0);
  const auto at = [&](int k) -> int& { return v[static_cast<std::size_t>(k + max + 1)]; };
  std::vector<std::vector<int>> trace;  // trace[d][k + d + 1]: v before step d
  int found = -1;
  for (int d = 0; d <= max && found < 0; ++d) {
    trace.emplace_back(v.begin() + (max - d), v.begin() + (max + d + 3));
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      int y = x - k;
      while (x < n && y < m && before[x] == after[y]) ++x, ++y;
      at(k) = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) {
    for (int i = 0; i < n; ++i) out.push_back({'-', &before[i]});
    for (int j = 0; j < m; ++j) out.push_back({'+', &after[j]});
    return;
  }
  std::vector<Edit> reversed;
  int x = n;
  int y = m;
  for (int d = found; d >= 0; --d) {
    const std::vector<int>& prev = trace[static_cast<std::size_t>(d)];
    const auto prev_at = [&](int k) { return prev[static_cast<std::size_t>(k + d + 1)]; };
    const int k = x - y;
    const int prev_k = (k == -d || (k != d && prev_at(k - 1) < prev_at(k + 1))) ? k + 1 : k - 1;
    const int prev_x = prev_at(prev_k);
    const int prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      reversed.push_back({' ', &before[x]});
    }
    if (d > 0) {
      if (x == prev_x) {
        reversed.push_back({'+', &after[prev_y]});
      } else {
        reversed.push_back({'-', &before[prev_x]});
      }
    }
    x = prev_x;
    y = prev_y;
  }
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
}

std::vector<Edit> edit_script(const Lines& before, const Lines& after) {
  // Objects change in a few places: the common head and tail cost no search.
  std::size_t head = 0;
  while (head < before.size() && head < after.size() && before[head] == after[head]) ++head;
  std::size_t tail = 0;
  while (tail < before.size() - head && tail < after.size() - head &&
         before[before.size() - 1 - tail] == after[after.size() - 1 - tail]) {
    ++tail;
  }
  std::vector<Edit> script;
  for (std::size_t i = 0; i < head; ++i) script.push_back({' ', &before[i]});
  myers(before.data() + head, static_cast<int>(before.size() - head - tail), after.data() + head,
        static_cast<int>(after.size() - head - tail), script);
  for (std::size_t i = before.size() - tail; i < before.size(); ++i) {
    script.push_back({' ', &before[i]});
  }
  return script;
}

std::string range(std::size_t lines_before, std::size_t count) {
  // GNU diff: an empty range names the line before it; a single line has no count.
  if (count == 0) return std::to_string(lines_before) + ",0";
  if (count == 1) return std::to_string(lines_before + 1);
  return std::to_string(lines_before + 1) + "," + std::to_string(count);
}

Lines split_lines(const std::string& text) {
  Lines lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string unified_diff(const Lines& before, const Lines& after, std::string_view before_label,
                         std::string_view after_label, int context) {
  const std::vector<Edit> script = edit_script(before, after);
  std::vector<std::size_t> changes;
  for (std::size_t i = 0; i < script.size(); ++i) {
    if (script[i].op != ' ') changes.push_back(i);
  }
  if (changes.empty()) return {};

  // Lines of each side before script position i.
  std::vector<std::size_t> before_at(script.size() + 1, 0);
  std::vector<std::size_t> after_at(script.size() + 1, 0);
  for (std::size_t i = 0; i < script.size(); ++i) {
    before_at[i + 1] = before_at[i] + (script[i].op != '+' ? 1 : 0);
    after_at[i + 1] = after_at[i] + (script[i].op != '-' ? 1 : 0);
  }

  const auto ctx = static_cast<std::size_t>(std::max(context, 0));
  std::string out;
  out.append("--- ").append(before_label).append("\n");
  out.append("+++ ").append(after_label).append("\n");
  for (std::size_t first = 0; first < changes.size();) {
    std::size_t last = first;
    while (last + 1 < changes.size() && changes[last + 1] - changes[last] <= 2 * ctx + 1) ++last;
    const std::size_t start = changes[first] >= ctx ? changes[first] - ctx : 0;
    const std::size_t end = std::min(script.size(), changes[last] + ctx + 1);
    out.append("@@ -")
        .append(range(before_at[start], before_at[end] - before_at[start]))
        .append(" +")
        .append(range(after_at[start], after_at[end] - after_at[start]))
        .append(" @@\n");
    for (std::size_t i = start; i < end; ++i) {
      out.append(1, script[i].op).append(*script[i].line).append("\n");
    }
    first = last + 1;
  }
  return out;
}

std::string object_diff(const rapidjson::Value* before, const rapidjson::Value* after,
                        std::string_view before_label, std::string_view after_label,
                        int context) {
  return unified_diff(before ? split_lines(desired::to_yaml(*before)) : Lines{},
                      after ? split_lines(desired::to_yaml(*after)) : Lines{}, before_label,
                      after_label, context);
}

}  // namespace steward::reconcile
