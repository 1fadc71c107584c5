build-t/allocator/buddy.o: allocator/buddy.c allocator/internal.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
