build-t/tests/check_buddy.o: tests/check_buddy.c \
 tests/../allocator/internal.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h tests/testutil.h
tests/../allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
tests/testutil.h:
