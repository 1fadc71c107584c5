build-t/vmm/memory.o: vmm/memory.c vmm/memory.h vmm/config.h \
 include/labyrinth/guest_abi.h vmm/vm.h include/labyrinth/exit_status.h \
 vmm/kvm.h include/labyrinth/linux_compat.h vmm/reclaim.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/util.h
vmm/memory.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/kvm.h:
include/labyrinth/linux_compat.h:
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/util.h:
