build-t/tests/check_host_faults.o: tests/check_host_faults.c \
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
