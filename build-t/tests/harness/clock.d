build-t/tests/harness/clock.o: tests/harness/clock.c \
 tests/harness/clock.h
tests/harness/clock.h:
