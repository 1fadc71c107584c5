build-t/vmm/loader.o: vmm/loader.c vmm/loader.h vmm/memory.h vmm/config.h \
 include/labyrinth/guest_abi.h vmm/vm.h include/labyrinth/exit_status.h \
 vmm/util.h
vmm/loader.h:
vmm/memory.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/util.h:
