build-t/vmm/options.o: vmm/options.c vmm/config.h \
 include/labyrinth/guest_abi.h vmm/domain.h vmm/util.h
vmm/config.h:
include/labyrinth/guest_abi.h:
vmm/domain.h:
vmm/util.h:
