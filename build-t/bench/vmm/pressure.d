build-t/bench/vmm/pressure.o: bench/vmm/pressure.c bench/bench_util.h \
 tests/harness/stats.h bench/vmm/bench_vmm.h tests/harness/process.h
bench/bench_util.h:
tests/harness/stats.h:
bench/vmm/bench_vmm.h:
tests/harness/process.h:
