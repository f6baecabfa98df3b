// hostile_corpus DIR EXPECTED: writes every row of hostile_inputs.hpp into DIR, plus the good
// file, and to EXPECTED one line per row: FILE<TAB>LINE<TAB>COLUMN<TAB>MESSAGE, where LINE and
// COLUMN are 0 for an error about the whole file. EXPECTED belongs outside DIR, which then holds
// exactly the manifests of one source.

#include <filesystem>
#include <fstream>
#include <iostream>

#include "desired/hostile_inputs.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: hostile_corpus DIR EXPECTED\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& file, const std::string& content) {
    std::ofstream(dir / file, std::ios::binary | std::ios::trunc) << content;
  };
  std::ofstream expected(argv[2], std::ios::trunc);
  for (const auto& row : steward::test::hostile_inputs()) {
    write(row.file, row.content);
    expected << row.file << '\t' << row.at.line << '\t' << row.at.column << '\t' << row.message
             << '\n';
  }
  write(steward::test::kGoodManifestFile, steward::test::kGoodManifest);
  return expected.good() ? 0 : 1;
}
