build-t/bench/vmm/configs.o: bench/vmm/configs.c bench/vmm/bench_vmm.h \
 tests/harness/process.h tests/harness/stats.h
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/stats.h:
