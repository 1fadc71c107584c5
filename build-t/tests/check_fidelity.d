build-t/tests/check_fidelity.o: tests/check_fidelity.c tests/vmmtest.h \
 tests/harness/clock.h tests/harness/files.h tests/harness/process.h \
 tests/harness/report.h tests/testutil.h
tests/vmmtest.h:
tests/harness/clock.h:
tests/harness/files.h:
tests/harness/process.h:
tests/harness/report.h:
tests/testutil.h:
