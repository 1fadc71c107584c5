build-t/tests/check_budget.o: tests/check_budget.c \
 tests/../allocator/internal.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h tests/testutil.h
tests/../allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
tests/testutil.h:
