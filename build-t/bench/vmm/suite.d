build-t/bench/vmm/suite.o: bench/vmm/suite.c bench/vmm/bench_vmm.h \
 tests/harness/process.h tests/harness/stats.h
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/stats.h:
