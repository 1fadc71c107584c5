build-t/bench/vmm/run.o: bench/vmm/run.c bench/vmm/bench_vmm.h \
 tests/harness/process.h tests/harness/stats.h tests/harness/clock.h \
 tests/harness/report.h include/labyrinth/exit_status.h
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/stats.h:
tests/harness/clock.h:
tests/harness/report.h:
include/labyrinth/exit_status.h:
