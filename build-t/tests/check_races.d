build-t/tests/check_races.o: tests/check_races.c \
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
