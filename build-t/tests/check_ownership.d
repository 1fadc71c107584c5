build-t/tests/check_ownership.o: tests/check_ownership.c \
 tests/../allocator/internal.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h tests/testutil.h
tests/../allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
tests/testutil.h:
