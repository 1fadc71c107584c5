build-t/allocator/ownership.o: allocator/ownership.c allocator/internal.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
