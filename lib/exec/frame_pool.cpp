// SPDX-License-Identifier: MIT
// Recycles the memory of coroutine frames and task cells per thread: a general-purpose
// malloc is a visible part of what a spawn costs. Every frame also carries a prefix in
// which spawn builds the task header (one allocation per spawned task); the last 8
// bytes of the prefix say who still uses the block.
// Blocks are kept per 64-byte size class, a bounded number per thread; a block freed on
// another thread than the one that allocated it simply joins that thread's cache.
// Under AddressSanitizer the pool steps aside, so that use-after-free stays visible.

#include <cstddef>
#include <cstdint>
#include <new>

#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPoolEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kPoolEnabled = false;
#else
constexpr bool kPoolEnabled = true;
#endif
#else
constexpr bool kPoolEnabled = true;
#endif

constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 16;  // blocks up to 1 KiB
constexpr unsigned kMaxCachedPerClass = 1024;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so that it stays usable for frames freed during thread exit
// (after Cleaner ran, `closed` routes them straight to the global heap).
struct Cache {
  FreeBlock* heads[kClasses];
  unsigned counts[kClasses];
  bool registered;
  bool closed;
};
thread_local Cache t_cache{};

struct Cleaner {
  bool armed = false;
  ~Cleaner() {
    Cache& cache = t_cache;
    cache.closed = true;
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = cache.heads[c]) {
        cache.heads[c] = b->next;
        ::operator delete(b);
      }
      cache.counts[c] = 0;
    }
  }
};
thread_local Cleaner t_cleaner;

void register_cache(Cache& cache) noexcept {
  if (cache.closed) return;
  cache.registered = true;
  t_cleaner.armed = true;  // constructs it, so that its destructor runs at thread exit
}

void* pool_allocate(std::size_t size) {
  const std::size_t c = size == 0 ? 0 : (size - 1) / kGranule;
  if (!kPoolEnabled || c >= kClasses) return ::operator new(size);
  Cache& cache = t_cache;
  if (FreeBlock* b = cache.heads[c]) {
    cache.heads[c] = b->next;
    --cache.counts[c];
    return b;
  }
  if (!cache.registered) register_cache(cache);
  return ::operator new((c + 1) * kGranule);
}

void pool_deallocate(void* p, std::size_t size) noexcept {
  const std::size_t c = size == 0 ? 0 : (size - 1) / kGranule;
  Cache& cache = t_cache;
  if (kPoolEnabled && !cache.registered) register_cache(cache);
  if (!kPoolEnabled || c >= kClasses || cache.closed || cache.counts[c] >= kMaxCachedPerClass) {
    ::operator delete(p);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = cache.heads[c];
  cache.heads[c] = b;
  ++cache.counts[c];
}

// The end of the prefix. Its state changes only where the task protocol already orders
// the threads: attach before the task is shared, frame release by the running thread or
// the last reference, detach by the last reference.
struct PrefixTail {
  std::uint32_t frame_size;
  std::uint8_t state;
};
constexpr std::uint8_t kNoHeader = 0;
constexpr std::uint8_t kHeaderLive = 1;
constexpr std::uint8_t kFrameReleased = 2;
static_assert(sizeof(PrefixTail) <= 8);

PrefixTail* tail_of(void* frame) noexcept {
  return reinterpret_cast<PrefixTail*>(static_cast<unsigned char*>(frame) - 8);
}
void* block_of(void* frame) noexcept { return static_cast<unsigned char*>(frame) - kFramePrefix; }

}  // namespace

void* frame_allocate(std::size_t size) {
  auto* block = static_cast<unsigned char*>(pool_allocate(size + kFramePrefix));
  void* frame = block + kFramePrefix;
  PrefixTail* tail = ::new (block + kFramePrefix - 8) PrefixTail{};
  tail->frame_size = static_cast<std::uint32_t>(size);
  tail->state = kNoHeader;
  return frame;
}

void frame_deallocate(void* frame, std::size_t size) noexcept {
  PrefixTail* tail = tail_of(frame);
  if (tail->state == kHeaderLive) {
    tail->state = kFrameReleased;  // the header still lives in the prefix
    return;
  }
  pool_deallocate(block_of(frame), size + kFramePrefix);
}

void* frame_attach_header(void* frame) noexcept {
  tail_of(frame)->state = kHeaderLive;
  return block_of(frame);
}

void frame_detach_header(void* frame) noexcept {
  PrefixTail* tail = tail_of(frame);
  if (tail->state == kFrameReleased) {
    pool_deallocate(block_of(frame), tail->frame_size + kFramePrefix);
    return;
  }
  tail->state = kNoHeader;  // the frame's own release frees the block
}

void* cell_allocate(std::size_t size) { return pool_allocate(size); }
void cell_deallocate(void* p, std::size_t size) noexcept { pool_deallocate(p, size); }

}  // namespace pollux::exec::detail
