build-t/allocator/watermark.o: allocator/watermark.c allocator/internal.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h
allocator/internal.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
