build-t/bench/bench_alloc.o: bench/bench_alloc.c \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h \
 bench/bench_util.h tests/harness/stats.h tests/harness/clock.h \
 tests/harness/cpu.h
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
bench/bench_util.h:
tests/harness/stats.h:
tests/harness/clock.h:
tests/harness/cpu.h:
