build-t/bench/vmm/main.o: bench/vmm/main.c bench/bench_util.h \
 tests/harness/stats.h bench/vmm/bench_vmm.h tests/harness/process.h \
 tests/harness/clock.h tests/harness/files.h
bench/bench_util.h:
tests/harness/stats.h:
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/clock.h:
tests/harness/files.h:
