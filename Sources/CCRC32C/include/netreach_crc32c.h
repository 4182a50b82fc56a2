#ifndef NETREACH_CRC32C_H
#define NETREACH_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this processor has a CRC-32C instruction that netreach_crc32c uses (SSE 4.2 on x86-64),
/// else 0: the caller then uses its own table-driven implementation.
int netreach_crc32c_available(void);

/// CRC-32C (Castagnoli) of `count` bytes at `bytes`, continuing from `crc` (0 to start), computed
/// with the processor's instruction. Only call it when netreach_crc32c_available() returned 1.
uint32_t netreach_crc32c(uint32_t crc, const void *bytes, size_t count);

#endif
