// Minimal .npy reader for tests: little-endian float32, C order, format 1.0/2.0.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace aivm::testing {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Returns false (with |error|) on anything but a '<f4' C-order array.
inline bool read_npy_f32(const std::string& path, NpyArray* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return *error = "cannot open " + path, false;
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return *error = path + ": not .npy", false;
  size_t header_len, start;
  if (bytes[6] == 1) {
    header_len = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    start = 10;
  } else {
    uint32_t n;
    std::memcpy(&n, bytes.data() + 8, 4);
    header_len = n;
    start = 12;
  }
  std::string header = bytes.substr(start, header_len);
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    return *error = path + ": expected little-endian float32 in C order", false;
  size_t open = header.find('(', header.find("'shape'")), close = header.find(')', open);
  std::string dims = header.substr(open + 1, close - open - 1);
  out->shape.clear();
  int64_t count = 1;
  for (size_t p = 0; p < dims.size();) {
    size_t q = dims.find(',', p);
    std::string tok = dims.substr(p, q == std::string::npos ? std::string::npos : q - p);
    if (tok.find_first_of("0123456789") != std::string::npos) {
      out->shape.push_back(std::stoll(tok));
      count *= out->shape.back();
    }
    if (q == std::string::npos) break;
    p = q + 1;
  }
  size_t data_at = start + header_len;
  if (bytes.size() - data_at < size_t(count) * 4) return *error = path + ": truncated data", false;
  out->data.resize(size_t(count));
  std::memcpy(out->data.data(), bytes.data() + data_at, size_t(count) * 4);
  return true;
}

}  // namespace aivm::testing
