// Inputs that once broke the loader (found by tests/fuzz): each must load with an error or
// run cleanly. Checksums are restamped so the structural checks see the damage.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>

#include "aivm.h"
#include "format/reader.h"

namespace aivm {
namespace {

TEST(Regression, FuzzFindingsLoadWithAnErrorOrRun) {
  std::string dir = std::string(AIVM_SOURCE_DIR) + "/tests/regression";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  int files = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 5 || name.substr(name.size() - 5) != ".aivm") continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    format::restamp_checksum(bytes.data(), bytes.size());
    aivm_model_t* m = nullptr;
    aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m);
    if (s) {
      EXPECT_GT(std::string(aivm_status_message(s)).size(), 0u) << name;
      aivm_status_free(s);
    } else {
      aivm_model_release(m);
    }
    ++files;
  }
  closedir(d);
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace aivm
