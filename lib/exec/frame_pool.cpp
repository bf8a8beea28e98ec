// Recycles the memory of coroutine frames and task cells per thread: a spawned task
// costs two allocations, and a general-purpose malloc is a visible part of that cost.
// Blocks are kept per 64-byte size class, a bounded number per thread; a block freed on
// another thread than the one that allocated it simply joins that thread's cache.
// Under AddressSanitizer the pool steps aside, so that use-after-free stays visible.

#include <cstddef>
#include <new>

#include <pollux/exec/task.hpp>

namespace pollux::exec::detail {

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
constexpr std::size_t kClasses = 8;  // blocks up to 512 bytes
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

}  // namespace

void* frame_allocate(std::size_t size) {
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

void frame_deallocate(void* p, std::size_t size) noexcept {
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

}  // namespace pollux::exec::detail
