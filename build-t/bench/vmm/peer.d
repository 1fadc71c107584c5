build-t/bench/vmm/peer.o: bench/vmm/peer.c bench/vmm/bench_vmm.h \
 tests/harness/process.h tests/harness/stats.h
bench/vmm/bench_vmm.h:
tests/harness/process.h:
tests/harness/stats.h:
