build-t/tests/check_cache.o: tests/check_cache.c \
 tests/../allocator/internal.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h tests/testutil.h
tests/../allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
tests/testutil.h:
