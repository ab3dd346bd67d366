// Specialisation of a dynamic entry function (one whose register shapes name symbolic input
// dims) for concrete input shapes: symbols bound from the inputs, the other shapes inferred by
// the verifier's own rules, the arena planned from the bundle's live intervals
// (format/memory_plan.h), and the result verified in full like a static function. Made on the
// first run at a shape and cached in the model; docs/design.md, "Symbolic dimensions".
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "aivm.h"
#include "vm/src/program.h"

namespace aivm::vm {

struct Specialization {
  Function f;                  // static: every shape concrete, arena offsets planned
  std::vector<int32_t> attrs;  // f's attribute pool, symbol values patched in
  // Conv weights packed for this shape where the first specialisation's layout does not fit
  // it (prepare_conv_weights); the model owns the rest.
  std::vector<std::vector<float>> packed;
};

// The specialisations of one model, keyed by the inputs' dims in signature order. Thread-safe:
// sessions on many threads share the model; a specialisation is immutable once made and kept
// alive by the sessions using it even after the cache evicts it.
class SpecCache {
 public:
  // The specialisation for |key|, made (under the cache's lock) on first use.
  aivm_status_t get(aivm_model_s* m, const std::vector<int64_t>& key, std::shared_ptr<const Specialization>* out);
  size_t size() const;

 private:
  static constexpr size_t kMaxEntries = 64;  // oldest evicted beyond this: input shapes are caller-controlled
  mutable std::mutex mu_;
  std::map<std::vector<int64_t>, std::shared_ptr<const Specialization>> map_;
  std::deque<std::vector<int64_t>> order_;  // insertion order, for eviction
  bool constants_prepared_ = false;         // the model's dynamic function got its packed weights
};

}  // namespace aivm::vm
