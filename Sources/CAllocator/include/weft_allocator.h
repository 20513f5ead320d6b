#ifndef WEFT_ALLOCATOR_H
#define WEFT_ALLOCATOR_H
#include <stddef.h>

/// glibc's allocator policy and release (malloc.h), for WeftSystem's `Allocator`.

/// Caps the number of malloc arenas (M_ARENA_MAX); returns 0 when glibc refused.
int weft_allocator_limit_arenas(int count);

/// Returns the free pages of every arena to the kernel (malloc_trim(0)); 1 when any was.
int weft_allocator_trim(void);

/// Bytes the allocator holds from the kernel and bytes allocated (mallinfo2).
void weft_allocator_usage(size_t *held, size_t *in_use);

#endif
