build-t/bench/vmm/results.o: bench/vmm/results.c bench/bench_util.h \
 tests/harness/stats.h bench/vmm/bench_vmm.h tests/harness/process.h \
 tests/harness/files.h
bench/bench_util.h:
tests/harness/stats.h:
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/files.h:
