build-t/tests/harness/stats.o: tests/harness/stats.c \
 tests/harness/stats.h
tests/harness/stats.h:
