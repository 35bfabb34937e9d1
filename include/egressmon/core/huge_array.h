#pragma once
// A fixed-size array for large, randomly accessed tables (flow slab chunks, hash indexes).
// Blocks of 2 MiB or more are 2 MiB-aligned and advised for transparent huge pages: with
// random access over tens of MiB, TLB misses otherwise cost as much as the cache misses.
// T must be trivially destructible. Not copyable; movable.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace egressmon {

template <class T>
class HugeArray {
  static_assert(std::is_trivially_destructible_v<T>);

public:
  static constexpr size_t kHugePage = size_t(2) << 20;

  HugeArray() = default;
  /// Allocates n default-constructed elements; throws std::bad_alloc when memory is short.
  explicit HugeArray(size_t n) : size_(n) {
    const size_t bytes = n * sizeof(T);
    const size_t align = bytes >= kHugePage ? kHugePage : 64;
    const size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (align == kHugePage) ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint; fine if refused
    data_ = static_cast<T*>(p);
    std::uninitialized_default_construct_n(data_, n);
  }
  ~HugeArray() { std::free(data_); }
  HugeArray(HugeArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  HugeArray& operator=(HugeArray&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace egressmon
