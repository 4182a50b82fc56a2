// CRC-32C with the processor's instruction, for EventLog's CRC32C (which falls back to its own
// slicing-by-8 tables where there is none). The instruction computes exactly the reflected
// Castagnoli CRC that docs/LOG-FORMAT.md specifies, on the inverted state, like the tables do.
#include "netreach_crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t update(uint32_t state, const unsigned char *bytes, size_t count) {
    uint64_t wide = state;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, sizeof word);  // unaligned input: memcpy compiles to one load
        wide = _mm_crc32_u64(wide, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)wide;
    while (count > 0) {
        narrow = _mm_crc32_u8(narrow, *bytes);
        bytes += 1;
        count -= 1;
    }
    return narrow;
}

int netreach_crc32c_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

uint32_t netreach_crc32c(uint32_t crc, const void *bytes, size_t count) {
    return ~update(~crc, (const unsigned char *)bytes, count);
}

#else

int netreach_crc32c_available(void) { return 0; }

uint32_t netreach_crc32c(uint32_t crc, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return crc;  // never called: netreach_crc32c_available() is 0 here
}

#endif
