build-t/bench/vmm/targets.o: bench/vmm/targets.c bench/vmm/bench_vmm.h \
 tests/harness/process.h tests/harness/stats.h
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/stats.h:
