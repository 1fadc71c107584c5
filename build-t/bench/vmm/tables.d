build-t/bench/vmm/tables.o: bench/vmm/tables.c bench/bench_util.h \
 tests/harness/stats.h bench/vmm/bench_vmm.h tests/harness/process.h
bench/bench_util.h:
tests/harness/stats.h:
bench/vmm/bench_vmm.h:
tests/harness/process.h:
