build-t/tests/check_scenario.o: tests/check_scenario.c \
 include/labyrinth/exit_status.h tests/vmmtest.h tests/harness/clock.h \
 tests/harness/files.h tests/harness/process.h tests/harness/report.h \
 tests/testutil.h tests/../vmm/scenario.h tests/../vmm/pressure.h \
 tests/../vmm/util.h
include/labyrinth/exit_status.h:
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
tests/../vmm/scenario.h:
tests/../vmm/pressure.h:
tests/../vmm/util.h:
