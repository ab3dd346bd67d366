// Bundle reader: file mapping and container verification.
#include "format/reader.h"

#include "format/checksum.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace aivm::format {

//===----------------------------------------------------------------------===//
// MappedFile
//===----------------------------------------------------------------------===//

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::reset() {
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

bool MappedFile::open(const std::string& path, std::string* error) {
  reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "'" + path + "' is not a regular file";
    ::close(fd);
    return false;
  }
  if (st.st_size == 0) {
    *error = "'" + path + "' is empty";
    ::close(fd);
    return false;
  }
  void* p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file alive
  if (p == MAP_FAILED) {
    *error = "cannot map '" + path + "': " + std::strerror(errno);
    return false;
  }
  data_ = static_cast<const uint8_t*>(p);
  size_ = size_t(st.st_size);
  return true;
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

namespace {

bool fail(std::string* error, const std::string& msg) {
  *error = msg;
  return false;
}

}  // namespace

bool verify_bundle(const uint8_t* data, size_t size, BundleView* out, std::string* error) {
  constexpr size_t kPrefix = sizeof(flatbuffers::uoffset_t);
  if (size < kPrefix + 8) return fail(error, "bundle too small (" + std::to_string(size) + " bytes)");
  uint32_t fb_size;
  std::memcpy(&fb_size, data, kPrefix);
  if (fb_size > size - kPrefix)
    return fail(error, "bundle size prefix at byte 0 declares a " + std::to_string(fb_size) +
                           "-byte header but only " + std::to_string(size - kPrefix) + " bytes follow it");
  if (!flatbuffers::BufferHasIdentifier(data + kPrefix, fb::BundleIdentifier()))
    return fail(error, "not an aivm bundle: missing identifier \"AIVM\" at byte 8");
  if (fb_size > size - kPrefix - kChecksumBytes)
    return fail(error, "bundle truncated: no header checksum at byte " + std::to_string(kPrefix + fb_size));
  uint32_t stored, computed = crc32(data, kPrefix + fb_size);
  std::memcpy(&stored, data + kPrefix + fb_size, kChecksumBytes);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // Fuzzers cannot forge a CRC; let their mutations reach the structural verifiers.
  stored = computed;
#endif
  if (stored != computed) {
    char hex[64];
    std::snprintf(hex, sizeof(hex), "stored 0x%08x, computed 0x%08x", stored, computed);
    return fail(error, "bundle header checksum mismatch at byte " + std::to_string(kPrefix + fb_size) + " (" + hex +
                           "): the file is corrupt");
  }
  // The FlatBuffers verifier checks every offset, vector length and string in the header.
  // Verify the size-prefixed buffer as a whole: alignment of vectors is relative to its start.
  flatbuffers::Verifier verifier(data, kPrefix + fb_size, /*max_depth=*/64, /*max_tables=*/1u << 22);
  if (!fb::VerifySizePrefixedBundleBuffer(verifier))
    return fail(error, "bundle header failed FlatBuffers verification (corrupt or truncated)");
  const fb::Bundle* b = fb::GetSizePrefixedBundle(data);

  if (b->format_major() != kFormatMajor || b->format_minor() > kFormatMinor)
    return fail(error, "bundle format " + std::to_string(b->format_major()) + "." +
                           std::to_string(b->format_minor()) + " is not readable by this runtime (" +
                           std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor) + ")");
  if (b->functions()->size() == 0) return fail(error, "bundle has no functions");

  uint64_t seg_off = b->data_offset(), seg_size = b->data_size();
  uint64_t header_end = kPrefix + uint64_t(fb_size);
  if (seg_size != 0 || seg_off != 0) {
    if (seg_off % kConstantAlignment != 0)
      return fail(error, "constant segment offset " + std::to_string(seg_off) + " is not 64-byte aligned");
    if (seg_off < header_end || seg_off > size || seg_size > size - seg_off)
      return fail(error, "constant segment [" + std::to_string(seg_off) + ", +" + std::to_string(seg_size) +
                             ") lies outside the file (" + std::to_string(size) + " bytes)");
  }
  if (const auto* consts = b->constants()) {
    for (flatbuffers::uoffset_t i = 0; i < consts->size(); ++i) {
      const fb::Constant* c = consts->Get(i);
      if (c->offset() % kConstantAlignment != 0 || c->offset() > seg_size || c->size() > seg_size - c->offset())
        return fail(error, "constants[" + std::to_string(i) + "] range [" + std::to_string(c->offset()) + ", +" +
                               std::to_string(c->size()) + ") is outside the constant segment (" +
                               std::to_string(seg_size) + " bytes) or misaligned");
    }
  }
  out->bundle = b;
  out->data_segment = data + seg_off;
  out->data_size = size_t(seg_size);
  return true;
}

bool open_bundle(const std::string& path, MappedFile* file, BundleView* out, std::string* error) {
  if (!file->open(path, error)) return false;
  if (!verify_bundle(file->data(), file->size(), out, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

void restamp_checksum(uint8_t* bytes, size_t size) {
  uint32_t fb_size;
  if (size < sizeof(fb_size)) return;
  std::memcpy(&fb_size, bytes, sizeof(fb_size));
  if (fb_size > size - sizeof(fb_size) || size - sizeof(fb_size) - fb_size < kChecksumBytes) return;
  uint32_t crc = crc32(bytes, sizeof(fb_size) + fb_size);
  std::memcpy(bytes + sizeof(fb_size) + fb_size, &crc, kChecksumBytes);
}

const uint8_t* constant_data(const BundleView& view, uint32_t index, uint64_t* out_size) {
  const auto* consts = view.bundle->constants();
  if (!consts || index >= consts->size()) return nullptr;
  const fb::Constant* c = consts->Get(index);
  *out_size = c->size();
  return view.data_segment + c->offset();
}

}  // namespace aivm::format
