// Scatter and gather by index tuples: hand values (numpy's), negative indices, duplicates, and
// out-of-range indices, which must neither write nor read outside the tensors (guard words
// around the output catch a stray write; ASan builds catch reads).
#include <gtest/gtest.h>

#include <vector>

#include "kernels/transform/scatter.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::shape;

TEST(Scatter, ElementsWithReductionsAndNegativeIndices) {
  Shape x = shape({2, 3}), idx = shape({2, 2});
  std::vector<float> data = {1, 2, 3, 4, 5, 6}, upd = {10, 20, 30, 40};
  std::vector<int64_t> index = {-1, 0, 1, 1};  // axis 1: row 0 -> cols 2, 0; row 1 -> col 1 twice
  std::vector<float> y(6);
  scatter_elements(x, idx, 1, index.data(), true, upd.data(), ScatterReduce::None, DType::F32, data.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{20, 2, 10, 4, 40, 6}));
  scatter_elements(x, idx, 1, index.data(), true, upd.data(), ScatterReduce::Add, DType::F32, data.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{21, 2, 13, 4, 75, 6}));
  scatter_elements(x, idx, 1, index.data(), true, upd.data(), ScatterReduce::Min, DType::F32, data.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Scatter, OutOfRangeIndicesTouchNothing) {
  Shape x = shape({4}), idx = shape({3});
  std::vector<int32_t> data = {1, 2, 3, 4}, upd = {7, 8, 9}, index = {4, -5, 1 << 30};
  std::vector<int32_t> y(6, -1);  // guards at y[0] and y[5]
  scatter_elements(x, idx, 0, index.data(), false, upd.data(), ScatterReduce::Mul, DType::I32, data.data(), y.data() + 1);
  EXPECT_EQ(y, (std::vector<int32_t>{-1, 1, 2, 3, 4, -1}));
  std::vector<int64_t> tuples = {9, -9, 2};
  scatter_nd(x, 3, 1, tuples.data(), true, upd.data(), ScatterReduce::None, DType::I32, data.data(), y.data() + 1);
  EXPECT_EQ(y, (std::vector<int32_t>{-1, 1, 2, 9, 4, -1}));
  std::vector<int32_t> g(5, -1);
  gather_nd(x, 0, 1, 3, 1, tuples.data(), true, 1, 4, data.data(), g.data() + 1);
  EXPECT_EQ(g, (std::vector<int32_t>{-1, 0, 0, 3, -1}));
}

TEST(Scatter, NdSlicesAndGatherNdBatch) {
  // data [2, 2, 2]; scatter_nd with tuples of length 1 replaces whole [2, 2] slices.
  Shape x = shape({2, 2, 2});
  std::vector<float> data = {1, 2, 3, 4, 5, 6, 7, 8}, upd = {10, 20, 30, 40}, y(8);
  std::vector<int64_t> tuples = {1};
  scatter_nd(x, 1, 1, tuples.data(), true, upd.data(), ScatterReduce::Add, DType::F32, data.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 4, 15, 26, 37, 48}));
  // gather_nd batch_dims 1: per batch b, one tuple (i) picks x[b, i, :].
  std::vector<int64_t> per_batch = {1, 0};
  std::vector<float> g(4);
  gather_nd(x, 1, 2, 1, 1, per_batch.data(), true, 2, 4, data.data(), g.data());
  EXPECT_EQ(g, (std::vector<float>{3, 4, 5, 6}));
}

}  // namespace
}  // namespace aivm::kernels
