// Data-movement kernels (kernels/transform) against their scalar references on awkward shapes
// (extents 1, 7, 33, zero), every element size, plus a few hand-computed cases that pin the
// references themselves to numpy's semantics.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/transform/transform.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::shape;

std::vector<uint8_t> random_bytes(int64_t elems, size_t elem, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(size_t(elems) * elem + 1);  // +1: never a zero-size buffer
  for (uint8_t& b : v) b = uint8_t(rng());
  return v;
}

// Runs |fast| and |ref| into separately poisoned outputs and compares every byte.
template <typename Fast, typename Ref>
void expect_same(int64_t out_elems, size_t elem, Fast fast, Ref ref) {
  std::vector<uint8_t> a(size_t(out_elems) * elem + 1, 0xAB), b(size_t(out_elems) * elem + 1, 0xCD);
  fast(a.data());
  ref(b.data());
  a.back() = b.back() = 0;
  ASSERT_EQ(a, b);
}

const size_t kElems[] = {1, 2, 4, 8};

TEST(Transform, TransposeMatchesReference) {
  struct Case {
    Shape view;
    std::vector<int32_t> perm;
  } cases[] = {
      {shape({7, 33}), {1, 0}},
      {shape({1, 7, 33}), {2, 0, 1}},
      {shape({2, 3, 5, 7}), {0, 2, 3, 1}},
      {shape({2, 3, 5, 7}), {3, 2, 1, 0}},
      {shape({1, 2, 2, 3, 4, 5}), {0, 3, 4, 1, 5, 2}},  // DepthToSpace DCR view
      {shape({3, 0, 4}), {2, 1, 0}},
      {shape({}), {}},
  };
  for (const Case& c : cases) {
    for (size_t elem : kElems) {
      auto x = random_bytes(c.view.num_elements(), elem, 1);
      expect_same(
          c.view.num_elements(), elem, [&](uint8_t* y) { transpose(c.view, c.perm.data(), elem, x.data(), y); },
          [&](uint8_t* y) { transpose_reference(c.view, c.perm.data(), elem, x.data(), y); });
    }
  }
}

TEST(Transform, TransposeByHand) {
  float x[6] = {0, 1, 2, 3, 4, 5}, y[6];  // [2, 3]
  int32_t perm[2] = {1, 0};
  transpose_reference(shape({2, 3}), perm, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(Transform, SliceMatchesReference) {
  Shape x = shape({7, 33, 5});
  struct Case {
    Shape y;
    int64_t start[3], step[3];
  } cases[] = {
      {shape({7, 33, 5}), {0, 0, 0}, {1, 1, 1}},
      {shape({3, 11, 1}), {1, 2, 4}, {2, 3, 1}},
      {shape({7, 33, 5}), {6, 32, 4}, {-1, -1, -1}},  // full reversal
      {shape({2, 5, 2}), {6, 30, 3}, {-4, -7, -2}},
      {shape({0, 5, 2}), {0, 0, 0}, {1, 1, 1}},
  };
  for (const Case& c : cases) {
    for (size_t elem : kElems) {
      auto xs = random_bytes(x.num_elements(), elem, 2);
      expect_same(
          c.y.num_elements(), elem, [&](uint8_t* y) { slice(x, c.y, c.start, c.step, elem, xs.data(), y); },
          [&](uint8_t* y) { slice_reference(x, c.y, c.start, c.step, elem, xs.data(), y); });
    }
  }
}

TEST(Transform, SliceByHandNegativeStep) {
  int32_t x[7] = {0, 1, 2, 3, 4, 5, 6}, y[3];
  int64_t start = 6, step = -3;
  slice_reference(shape({7}), shape({3}), &start, &step, 4, x, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 3), (std::vector<int32_t>{6, 3, 0}));
}

TEST(Transform, ExpandAndTileMatchReference) {
  struct Case {
    Shape x, y;
  } expand_cases[] = {
      {shape({1}), shape({7, 33})},
      {shape({7, 1}), shape({3, 7, 33})},
      {shape({1, 33}), shape({7, 33})},
      {shape({7, 1, 5}), shape({7, 33, 5})},
      {shape({}), shape({2, 3})},
      {shape({1, 3}), shape({0, 3})},
  };
  for (const Case& c : expand_cases)
    for (size_t elem : kElems) {
      auto x = random_bytes(c.x.num_elements(), elem, 3);
      expect_same(
          c.y.num_elements(), elem, [&](uint8_t* y) { expand(c.x, c.y, elem, x.data(), y); },
          [&](uint8_t* y) { expand_reference(c.x, c.y, elem, x.data(), y); });
    }
  Case tile_cases[] = {
      {shape({7, 33}), shape({14, 33})},
      {shape({1, 7}), shape({3, 21})},
      {shape({2, 3, 5}), shape({2, 9, 5})},
      {shape({3}), shape({0})},
      {shape({0, 3}), shape({0, 6})},
  };
  for (const Case& c : tile_cases)
    for (size_t elem : kElems) {
      auto x = random_bytes(c.x.num_elements(), elem, 4);
      expect_same(
          c.y.num_elements(), elem, [&](uint8_t* y) { tile(c.x, c.y, elem, x.data(), y); },
          [&](uint8_t* y) { tile_reference(c.x, c.y, elem, x.data(), y); });
    }
}

TEST(Transform, ConcatThenSplitRoundTrips) {
  // [7, 1 + 33 + 5, 3] from three parts along axis 1, and back.
  Shape parts[3] = {shape({7, 1, 3}), shape({7, 33, 3}), shape({7, 5, 3})}, whole = shape({7, 39, 3});
  for (size_t elem : kElems) {
    std::vector<std::vector<uint8_t>> in;
    std::vector<uint8_t> y(size_t(whole.num_elements()) * elem);
    int64_t offset = 0;
    for (int i = 0; i < 3; ++i) {
      in.push_back(random_bytes(parts[i].num_elements(), elem, 5 + i));
      concat_part(parts[i], whole, 1, offset, elem, in[size_t(i)].data(), y.data());
      offset += parts[i].dims[1];
    }
    // Reference: row by row (numpy's concatenate over axis 1 of [7, k, 3]).
    std::vector<uint8_t> want;
    for (int64_t r = 0; r < 7; ++r)
      for (int i = 0; i < 3; ++i) {
        size_t row = size_t(parts[i].dims[1] * 3) * elem;
        want.insert(want.end(), in[size_t(i)].begin() + long(size_t(r) * row), in[size_t(i)].begin() + long(size_t(r + 1) * row));
      }
    ASSERT_EQ(y, want);
    offset = 0;
    for (int i = 0; i < 3; ++i) {
      std::vector<uint8_t> back(size_t(parts[i].num_elements()) * elem + 1, 0);
      split_part(whole, parts[i], 1, offset, elem, y.data(), back.data());
      back.pop_back();
      in[size_t(i)].pop_back();
      ASSERT_EQ(back, in[size_t(i)]);
      offset += parts[i].dims[1];
    }
  }
}

Shape shape_of(const std::vector<int64_t>& dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

// concat / split with every part at once, cut into byte ranges across threads, against one
// concat_part / split_part per part. Wholes of 0.1-1.4 MB so the ranges start mid-block and
// mid-row; an empty part among them; the axis first, in the middle and last.
TEST(Transform, ConcatAndSplitAcrossThreadsMatchPartByPart) {
  struct Case {
    std::vector<int64_t> dims;  // the whole's, with the parts' extents along axis below
    int axis;
    std::vector<int64_t> extents;
  };
  const Case cases[] = {{{2, 341, 17, 29}, 1, {1, 0, 33, 300, 7}},
                        {{7, 33, 29, 31}, 0, {1, 5, 1}},
                        {{33, 17, 171}, 2, {7, 100, 0, 64}},
                        {{1, 1000, 7, 7}, 1, {64, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
                                              32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 8}}};
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const Case& c : cases)
      for (size_t elem : {size_t(1), size_t(4)}) {
        std::vector<int64_t> wd = c.dims;
        const Shape whole = shape_of(wd);
        std::vector<Shape> parts;
        std::vector<std::vector<uint8_t>> in;
        std::vector<const void*> in_ptrs;
        int64_t sum = 0;
        for (size_t i = 0; i < c.extents.size(); ++i) {
          wd[size_t(c.axis)] = c.extents[i];
          sum += c.extents[i];
          parts.push_back(shape_of(wd));
          in.push_back(random_bytes(parts.back().num_elements(), elem, uint32_t(20 + i)));
          in_ptrs.push_back(in.back().data());
        }
        ASSERT_EQ(sum, c.dims[size_t(c.axis)]);
        const int n = int(parts.size());
        expect_same(
            whole.num_elements(), elem,
            [&](uint8_t* y) { concat(n, parts.data(), in_ptrs.data(), whole, c.axis, elem, y, &pool); },
            [&](uint8_t* y) {
              int64_t offset = 0;
              for (int i = 0; i < n; ++i) {
                concat_part(parts[size_t(i)], whole, c.axis, offset, elem, in_ptrs[size_t(i)], y);
                offset += parts[size_t(i)].dims[c.axis];
              }
            });
        if (HasFatalFailure()) return;
        // Split the whole back: each part comes out as it went in, and nothing past its end.
        std::vector<uint8_t> y(size_t(whole.num_elements()) * elem + 1);
        concat(n, parts.data(), in_ptrs.data(), whole, c.axis, elem, y.data(), &pool);
        std::vector<std::vector<uint8_t>> back;
        std::vector<void*> back_ptrs;
        for (int i = 0; i < n; ++i) {
          back.emplace_back(size_t(parts[size_t(i)].num_elements()) * elem + 1, 0xEE);
          back_ptrs.push_back(back.back().data());
        }
        split(whole, y.data(), n, parts.data(), back_ptrs.data(), c.axis, elem, &pool);
        for (int i = 0; i < n; ++i) {
          const size_t bytes = size_t(parts[size_t(i)].num_elements()) * elem;
          ASSERT_EQ(back[size_t(i)].back(), 0xEE) << "part " << i << " written past its end";
          ASSERT_EQ(0, std::memcmp(back[size_t(i)].data(), in[size_t(i)].data(), bytes))
              << "part " << i << ", " << threads << " threads, elem " << elem;
        }
      }
  }
}

TEST(Transform, PadMatchesReference) {
  struct Case {
    Shape x, y;
    int64_t begin[3];
    PadMode mode;
  } cases[] = {
      {shape({7, 33, 1}), shape({9, 36, 3}), {1, 2, 1}, PadMode::Constant},
      {shape({7, 33, 1}), shape({5, 30, 1}), {-1, -2, 0}, PadMode::Constant},  // crop
      {shape({7, 33, 2}), shape({11, 40, 4}), {2, 3, 1}, PadMode::Reflect},
      {shape({7, 33, 2}), shape({30, 33, 9}), {10, 0, 3}, PadMode::Reflect},  // wider than the input
      {shape({7, 33, 1}), shape({11, 40, 4}), {2, 3, 1}, PadMode::Edge},
      {shape({7, 33, 1}), shape({11, 40, 4}), {2, 3, 1}, PadMode::Reflect},  // extent-1 axis
      {shape({7, 33, 2}), shape({30, 40, 9}), {10, 3, 3}, PadMode::Wrap},     // wider than the input
      {shape({7, 33, 2}), shape({5, 36, 2}), {-1, 2, 0}, PadMode::Wrap},      // crop and pad
  };
  for (const Case& c : cases)
    for (size_t elem : kElems) {
      auto x = random_bytes(c.x.num_elements(), elem, 9);
      uint8_t value[8] = {1, 2, 3, 4, 5, 6, 7, 8};
      expect_same(
          c.y.num_elements(), elem, [&](uint8_t* y) { pad(c.x, c.y, c.begin, c.mode, value, elem, x.data(), y); },
          [&](uint8_t* y) { pad_reference(c.x, c.y, c.begin, c.mode, value, elem, x.data(), y); });
    }
}

TEST(Transform, PadByHand) {
  float x[3] = {1, 2, 3}, y[8], v = -1;
  int64_t begin = 2;
  pad_reference(shape({3}), shape({8}), &begin, PadMode::Reflect, &v, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{3, 2, 1, 2, 3, 2, 1, 2}));  // numpy 'reflect'
  pad(shape({3}), shape({8}), &begin, PadMode::Edge, &v, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{1, 1, 1, 2, 3, 3, 3, 3}));
  pad(shape({3}), shape({8}), &begin, PadMode::Wrap, &v, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{2, 3, 1, 2, 3, 1, 2, 3}));  // numpy 'wrap'
  pad(shape({3}), shape({8}), &begin, PadMode::Constant, &v, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{-1, -1, 1, 2, 3, -1, -1, -1}));
}

TEST(Transform, GatherMatchesReferenceAndIsSafe) {
  // Indices include negatives (wrap) and out-of-range values (zeros), both dtypes.
  std::vector<int64_t> idx64 = {0, 6, -1, -7, 3, 7, -8, 1000000, INT64_MIN, 2};
  std::vector<int32_t> idx32(idx64.size());
  for (size_t i = 0; i < idx64.size(); ++i) idx32[i] = int32_t(std::max<int64_t>(idx64[i], INT32_MIN));
  for (size_t elem : kElems) {
    for (bool wide : {false, true}) {
      const void* idx = wide ? static_cast<const void*>(idx64.data()) : idx32.data();
      int64_t outer = 3, n = 7, inner = 33, count = int64_t(idx64.size());
      auto x = random_bytes(outer * n * inner, elem, 11);
      expect_same(
          outer * count * inner, elem, [&](uint8_t* y) { gather(outer, n, inner, idx, wide, count, elem, x.data(), y); },
          [&](uint8_t* y) { gather_reference(outer, n, inner, idx, wide, count, elem, x.data(), y); });
    }
  }
  float x[3] = {1, 2, 3}, y[4];
  int64_t idx[4] = {-1, 3, 0, -4};
  gather(1, 3, 1, idx, true, 4, 4, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{3, 0, 1, 0}));
}

TEST(Transform, GatherElementsMatchesReferenceAndIsSafe) {
  Shape x = shape({7, 33, 3}), idx_shape = shape({5, 40, 2});  // axis 1 longer than the data's: allowed
  std::mt19937 rng(12);
  std::vector<int64_t> idx64(size_t(idx_shape.num_elements()));
  for (int64_t& v : idx64) v = int64_t(rng() % 80) - 40;  // in range, negative, out of range
  std::vector<int32_t> idx32(idx64.begin(), idx64.end());
  for (size_t elem : kElems)
    for (bool wide : {false, true}) {
      const void* idx = wide ? static_cast<const void*>(idx64.data()) : idx32.data();
      auto xs = random_bytes(x.num_elements(), elem, 13);
      expect_same(
          idx_shape.num_elements(), elem,
          [&](uint8_t* y) { gather_elements(x, idx_shape, 1, idx, wide, elem, xs.data(), y); },
          [&](uint8_t* y) { gather_elements_reference(x, idx_shape, 1, idx, wide, elem, xs.data(), y); });
    }
}

TEST(Transform, TriluMatchesReference) {
  for (Shape x : {shape({7, 33}), shape({2, 33, 7}), shape({1, 1}), shape({3, 0, 4})})
    for (int64_t k : {int64_t(0), int64_t(1), int64_t(-2), int64_t(40), int64_t(-40), INT64_MAX, INT64_MIN})
      for (bool upper : {false, true})
        for (size_t elem : {size_t(1), size_t(4)}) {
          auto xs = random_bytes(x.num_elements(), elem, 14);
          expect_same(
              x.num_elements(), elem, [&](uint8_t* y) { trilu(x, upper, k, elem, xs.data(), y); },
              [&](uint8_t* y) { trilu_reference(x, upper, k, elem, xs.data(), y); });
        }
}

}  // namespace
}  // namespace aivm::kernels
