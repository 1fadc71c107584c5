build-t/tests/harness/report.o: tests/harness/report.c \
 tests/harness/report.h
tests/harness/report.h:
