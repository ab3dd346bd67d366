// CRC-32 (IEEE 802.3, reflected, as zlib computes it) of the bundle header. Any corruption of
// up to 32 consecutive bits in the header and bytecode is caught before verification starts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aivm::format {

uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace aivm::format
