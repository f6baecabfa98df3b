// The watch body decoder (kube/watch_decoder.hpp): bytes in random-size pieces → lines → events,
// what every watch connection runs on the API server's output.
//
// Input: byte 0 is the largest piece size less one (1..256 bytes), byte 1 seeds the generator that
// cuts the rest, the body, into pieces of 1..that many bytes. The corpus files are watch bodies as
// a real kube-apiserver sends them with those two bytes in front.
//
// Beyond "no crash, leak, UB or hang": the events must be the same as those of the body cut at
// every newline by the simplest possible splitter, whatever the pieces were.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "pieces.hpp"
#include "kube/watch_decoder.hpp"

using steward::fuzz::check;
using steward::fuzz::Pieces;
using steward::kube::WatchDecoder;
using steward::kube::WatchEvent;

namespace {

// An event as text, so two decodings compare with ==.
std::string describe(const WatchEvent& event) {
  std::string out = std::to_string(static_cast<int>(event.type)) + " ";
  if (event.object) out += steward::kube::to_json(*event.object);
  if (event.error) out += " error: " + event.error->to_string();
  return out;
}

bool blank(std::string_view line) { return line.find_first_not_of(" \r\t") == line.npos; }

// The reference: split at each newline, skip blank lines, decode the rest one by one.
std::vector<std::string> reference(std::string_view body) {
  std::vector<std::string> out;
  for (;;) {
    const auto newline = body.find('\n');
    const std::string_view line = body.substr(0, newline);
    if (!blank(line)) out.push_back(describe(steward::kube::decode_watch_event(line)));
    if (newline == body.npos) return out;
    body.remove_prefix(newline + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Pieces pieces = Pieces::from(data);
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

  WatchDecoder decoder;
  std::vector<std::string> events;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t n = std::min(pieces.next(), body.size() - at);
    // Its own buffer, as a connection's read gives, so ASan sees any read past the piece.
    const std::string piece(body.substr(at, n));
    decoder.feed(piece);
    at += n;
    while (auto event = decoder.next()) events.push_back(describe(*event));
  }
  if (auto last = decoder.finish()) events.push_back(describe(*last));
  check(!decoder.next() && !decoder.finish(), "decoder not empty after finish()");

  check(events == reference(body), "events depend on how the body was cut into pieces");
  return 0;
}
