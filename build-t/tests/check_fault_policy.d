build-t/tests/check_fault_policy.o: tests/check_fault_policy.c \
 tests/../vmm/fault_policy.h tests/testutil.h
tests/../vmm/fault_policy.h:
tests/testutil.h:
