build-t/tests/harness/process.o: tests/harness/process.c \
 tests/harness/process.h tests/harness/clock.h tests/harness/files.h \
 tests/harness/report.h
tests/harness/process.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/report.h:
