build-t/tests/check_pressure.o: tests/check_pressure.c \
 include/labyrinth/exit_status.h tests/vmmtest.h tests/harness/clock.h \
 tests/harness/files.h tests/harness/process.h tests/harness/report.h \
 tests/testutil.h
include/labyrinth/exit_status.h:
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
