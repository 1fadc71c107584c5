build-t/tests/check_guest_runtime.o: tests/check_guest_runtime.c \
 tests/../guests/runtime/argparse.h include/labyrinth/guest_abi.h \
 tests/../guests/runtime/perm.h tests/../guests/runtime/hash.h \
 tests/../guests/runtime/rand.h tests/../guests/runtime/sparse.h \
 tests/testutil.h
tests/../guests/runtime/argparse.h:
include/labyrinth/guest_abi.h:
tests/../guests/runtime/perm.h:
tests/../guests/runtime/hash.h:
tests/../guests/runtime/rand.h:
tests/../guests/runtime/sparse.h:
tests/testutil.h:
