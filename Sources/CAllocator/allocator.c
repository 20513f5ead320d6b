#include "weft_allocator.h"
#include <malloc.h>

int weft_allocator_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

int weft_allocator_trim(void) { return malloc_trim(0); }

void weft_allocator_usage(size_t *held, size_t *in_use) {
    struct mallinfo2 info = mallinfo2();
    *held = info.arena + info.hblkhd;
    *in_use = info.uordblks + info.hblkhd;
}
