// Bundle reader: maps a .aivm file (or borrows a buffer), runs the FlatBuffers verifier and
// checks the container invariants (identifier, versions, constant segment bounds and
// alignment). The bytecode itself is verified later by vm/verifier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "format/aivm_generated.h"

namespace aivm::format {

inline constexpr uint16_t kFormatMajor = 1;
inline constexpr uint16_t kFormatMinor = 1;  // 1.1: dynamic functions (symbols, live intervals)
inline constexpr size_t kConstantAlignment = 64;
inline constexpr size_t kChecksumBytes = 4;  // CRC-32 right after the FlatBuffer

// A read-only mapping of a whole file. Movable, not copyable; unmaps on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps |path|. On failure returns false and sets |error| ("cannot open 'x': No such file").
  bool open(const std::string& path, std::string* error);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void reset();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// What a verified bundle exposes. Pointers borrow the mapped file or buffer.
struct BundleView {
  const fb::Bundle* bundle = nullptr;
  const uint8_t* data_segment = nullptr;  // 64-byte aligned when the buffer base is
  size_t data_size = 0;
};

// Verifies |size| bytes at |data| as a bundle. On failure returns false and sets |error| to
// one line naming the rule that failed and, where known, the byte offset.
bool verify_bundle(const uint8_t* data, size_t size, BundleView* out, std::string* error);

// Maps |path| into |file| and verifies it.
bool open_bundle(const std::string& path, MappedFile* file, BundleView* out, std::string* error);

// Recomputes and stores the header checksum of a serialized bundle (for tools and tests that
// edit a bundle on purpose). No-op if |bytes| is too short to hold one.
void restamp_checksum(uint8_t* bytes, size_t size);

// Bytes and pointer of constant |index|; nullptr if out of range (cannot happen once verified).
const uint8_t* constant_data(const BundleView& view, uint32_t index, uint64_t* out_size);

}  // namespace aivm::format
