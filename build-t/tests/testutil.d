build-t/tests/testutil.o: tests/testutil.c tests/testutil.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
tests/testutil.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
