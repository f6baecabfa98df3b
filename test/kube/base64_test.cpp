#include <catch2/catch.hpp>

#include "kube/base64.hpp"

using steward::kube::decode_base64;

TEST_CASE("base64 decodes padded input of every length") {
  CHECK(decode_base64("") == std::string());
  CHECK(decode_base64("YQ==") == std::string("a"));
  CHECK(decode_base64("YWI=") == std::string("ab"));
  CHECK(decode_base64("YWJj") == std::string("abc"));
  CHECK(decode_base64("LS0tLS1CRUdJTg==") == std::string("-----BEGIN"));
  CHECK(decode_base64("//79/A==") == std::string("\xff\xfe\xfd\xfc"));
}

TEST_CASE("base64 skips whitespace from wrapped YAML values") {
  CHECK(decode_base64("YW\nJj\r\n YQ==\n") == std::string("abca"));
}

TEST_CASE("base64 rejects bad length, misplaced padding and foreign characters") {
  CHECK_FALSE(decode_base64("YQ"));        // unpadded
  CHECK_FALSE(decode_base64("YQ="));       // short padding
  CHECK_FALSE(decode_base64("Y==="));      // three '='
  CHECK_FALSE(decode_base64("===="));      // padding only
  CHECK_FALSE(decode_base64("YQ==YQ=="));  // padding in the middle
  CHECK_FALSE(decode_base64("YW-j"));      // URL-safe alphabet is not kubeconfig's
  CHECK_FALSE(decode_base64("not base64!"));
}

TEST_CASE("base64url encodes every length without padding, in the URL-safe alphabet") {
  using steward::kube::encode_base64url;
  CHECK(encode_base64url("") == "");
  CHECK(encode_base64url("a") == "YQ");
  CHECK(encode_base64url("ab") == "YWI");
  CHECK(encode_base64url("abc") == "YWJj");
  // '+' and '/' of the standard alphabet are '-' and '_' here.
  CHECK(encode_base64url("\xfb\xff\xbf") == "-_-_");
  CHECK(encode_base64url("\xff\xfe\xfd\xfc") == "__79_A");
}
