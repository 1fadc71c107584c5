build-t/tests/check_vmm_cli.o: tests/check_vmm_cli.c \
 include/labyrinth/exit_status.h tests/vmmtest.h tests/harness/clock.h \
 tests/harness/files.h tests/harness/process.h tests/harness/report.h \
 tests/testutil.h tests/../vmm/config.h include/labyrinth/guest_abi.h
include/labyrinth/exit_status.h:
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
tests/../vmm/config.h:
include/labyrinth/guest_abi.h:
