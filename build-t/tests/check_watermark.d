build-t/tests/check_watermark.o: tests/check_watermark.c \
 tests/../allocator/internal.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h tests/testutil.h
tests/../allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
tests/testutil.h:
