// SPDX-License-Identifier: MIT
#pragma once
// Counts the allocations of the whole test program, to show that a steady state allocates
// nothing. It replaces the global operator new and delete: include it in ONE file of a
// test executable. Every replaceable form but the aligned ones (which nothing here uses),
// so that each allocation and its release go to the same allocator (ASan checks the
// pairing).

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace test {

inline std::atomic<long> g_allocations{0};

inline void* counted_alloc(std::size_t n) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}

inline void* counted_alloc_or_throw(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}

}  // namespace test

void* operator new(std::size_t n) { return test::counted_alloc_or_throw(n); }
void* operator new[](std::size_t n) { return test::counted_alloc_or_throw(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return test::counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return test::counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
