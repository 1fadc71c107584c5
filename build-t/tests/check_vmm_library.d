build-t/tests/check_vmm_library.o: tests/check_vmm_library.c \
 tests/../vmm/config.h include/labyrinth/guest_abi.h tests/../vmm/util.h \
 include/labyrinth/exit_status.h tests/vmmtest.h tests/harness/clock.h \
 tests/harness/files.h tests/harness/process.h tests/harness/report.h \
 tests/testutil.h
tests/../vmm/config.h:
include/labyrinth/guest_abi.h:
tests/../vmm/util.h:
include/labyrinth/exit_status.h:
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
