build-t/allocator/zeroer.o: allocator/zeroer.c allocator/internal.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
