build-t/vmm/uffd.o: vmm/uffd.c vmm/uffd.h vmm/config.h \
 include/labyrinth/guest_abi.h vmm/reclaim.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h \
 include/labyrinth/linux_compat.h vmm/memory.h vmm/vm.h \
 include/labyrinth/exit_status.h vmm/util.h
vmm/uffd.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
include/labyrinth/linux_compat.h:
vmm/memory.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/util.h:
