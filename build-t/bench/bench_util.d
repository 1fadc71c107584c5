build-t/bench/bench_util.o: bench/bench_util.c bench/bench_util.h \
 tests/harness/stats.h tests/harness/files.h
bench/bench_util.h:
tests/harness/stats.h:
tests/harness/files.h:
