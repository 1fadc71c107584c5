build-t/tests/check_vmm_errors.o: tests/check_vmm_errors.c \
 include/labyrinth/guest_abi.h include/labyrinth/exit_status.h \
 tests/vmmtest.h tests/harness/clock.h tests/harness/files.h \
 tests/harness/process.h tests/harness/report.h tests/testutil.h \
 tests/../vmm/config.h tests/../vmm/cpu.h tests/../vmm/fault_policy.h \
 tests/../vmm/histogram.h tests/../vmm/trace.h tests/../vmm/hypercall.h \
 tests/../vmm/memory.h tests/../vmm/config.h tests/../vmm/vm.h \
 tests/../vmm/util.h tests/../vmm/vm.h
include/labyrinth/guest_abi.h:
include/labyrinth/exit_status.h:
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
tests/../vmm/config.h:
tests/../vmm/cpu.h:
tests/../vmm/fault_policy.h:
tests/../vmm/histogram.h:
tests/../vmm/trace.h:
tests/../vmm/hypercall.h:
tests/../vmm/memory.h:
tests/../vmm/config.h:
tests/../vmm/vm.h:
tests/../vmm/util.h:
tests/../vmm/vm.h:
