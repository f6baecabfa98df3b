#include "quantity.hpp"

#include <cctype>
#include <cstdint>

namespace steward::testapi {

namespace {

__extension__ typedef __int128 Int128;

enum class Format { DecimalSI, BinarySI, DecimalExponent };

Int128 pow_int(Int128 base, int exp) {
  Int128 r = 1;
  while (exp-- > 0) r *= base;
  return r;
}

std::string to_string(Int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  if (neg) v = -v;
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return neg ? "-" + s : s;
}

}  // namespace

std::optional<std::string> canonical_quantity(const std::string& text) {
  std::size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
  std::string whole, frac;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) whole += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) frac += text[i++];
  }
  if (whole.empty() && frac.empty()) return std::nullopt;
  if (whole.size() > 20) return std::nullopt;
  std::string suffix = text.substr(i);

  Format format = Format::DecimalSI;
  int dec_exp = 0;     // power of ten
  int bin_exp = 0;     // power of 1024
  if (suffix.empty()) {
  } else if (suffix == "n") dec_exp = -9;
  else if (suffix == "u") dec_exp = -6;
  else if (suffix == "m") dec_exp = -3;
  else if (suffix == "k") dec_exp = 3;
  else if (suffix == "M") dec_exp = 6;
  else if (suffix == "G") dec_exp = 9;
  else if (suffix == "T") dec_exp = 12;
  else if (suffix == "P") dec_exp = 15;
  else if (suffix == "E") dec_exp = 18;
  else if (suffix == "Ki") format = Format::BinarySI, bin_exp = 1;
  else if (suffix == "Mi") format = Format::BinarySI, bin_exp = 2;
  else if (suffix == "Gi") format = Format::BinarySI, bin_exp = 3;
  else if (suffix == "Ti") format = Format::BinarySI, bin_exp = 4;
  else if (suffix == "Pi") format = Format::BinarySI, bin_exp = 5;
  else if (suffix == "Ei") format = Format::BinarySI, bin_exp = 6;
  else if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
    format = Format::DecimalExponent;
    std::size_t j = 1;
    bool eneg = false;
    if (suffix[j] == '+' || suffix[j] == '-') eneg = suffix[j++] == '-';
    if (j >= suffix.size() || suffix.size() - j > 2) return std::nullopt;
    for (; j < suffix.size(); ++j) {
      if (!std::isdigit(static_cast<unsigned char>(suffix[j]))) return std::nullopt;
      dec_exp = dec_exp * 10 + (suffix[j] - '0');
    }
    if (eneg) dec_exp = -dec_exp;
    if (dec_exp < -9 || dec_exp > 18) return std::nullopt;
  } else {
    return std::nullopt;
  }

  // mantissa = whole.frac as an integer scaled by 10^frac.size(); value in nanos = mantissa *
  // 10^(9 + dec_exp) * 1024^bin_exp / 10^frac.size(), rounded up.
  Int128 mantissa = 0;
  for (char c : whole + frac) mantissa = mantissa * 10 + (c - '0');
  Int128 num = mantissa * pow_int(1024, bin_exp);
  int scale = 9 + dec_exp - static_cast<int>(frac.size());
  Int128 nanos;
  if (scale >= 0) {
    nanos = num * pow_int(10, scale);
  } else {
    Int128 div = pow_int(10, -scale);
    nanos = num / div + (num % div != 0 ? 1 : 0);
  }
  if (neg) nanos = -nanos;
  if (nanos == 0) return std::string("0");

  const Int128 one = 1000000000;
  Int128 absn = nanos < 0 ? -nanos : nanos;
  if (format == Format::BinarySI) {
    // Small or fractional binary quantities print as decimal (apimachinery does the same).
    if (absn < 1024 * one || absn % one != 0) {
      format = Format::DecimalSI;
    } else {
      static const char* const bin_suffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      Int128 units = nanos / one;
      int k = 0;
      while (k < 6 && units % 1024 == 0) {
        units /= 1024;
        ++k;
      }
      return to_string(units) + bin_suffix[k];
    }
  }
  // Largest exponent (a multiple of 3) that keeps the mantissa an integer.
  int e = -9;
  while (e < 18 && nanos % pow_int(10, e + 3 + 9) == 0) e += 3;
  Int128 units = nanos / pow_int(10, e + 9);
  if (format == Format::DecimalExponent) return to_string(units) + (e == 0 ? "" : "e" + std::to_string(e));
  const char* suffix_out = "";
  switch (e) {
    case -9: suffix_out = "n"; break;
    case -6: suffix_out = "u"; break;
    case -3: suffix_out = "m"; break;
    case 3: suffix_out = "k"; break;
    case 6: suffix_out = "M"; break;
    case 9: suffix_out = "G"; break;
    case 12: suffix_out = "T"; break;
    case 15: suffix_out = "P"; break;
    case 18: suffix_out = "E"; break;
    default: break;
  }
  return to_string(units) + suffix_out;
}

}  // namespace steward::testapi
