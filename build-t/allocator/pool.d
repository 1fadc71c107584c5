build-t/allocator/pool.o: allocator/pool.c allocator/internal.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
