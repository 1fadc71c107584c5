build-t/tests/harness/cpu.o: tests/harness/cpu.c tests/harness/cpu.h
tests/harness/cpu.h:
