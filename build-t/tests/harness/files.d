build-t/tests/harness/files.o: tests/harness/files.c \
 tests/harness/files.h
tests/harness/files.h:
