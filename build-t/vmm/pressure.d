build-t/vmm/pressure.o: vmm/pressure.c vmm/pressure.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/reclaim.h \
 include/labyrinth/guest_abi.h vmm/scenario.h vmm/util.h vmm/vm.h \
 vmm/config.h include/labyrinth/exit_status.h
vmm/pressure.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
include/labyrinth/guest_abi.h:
vmm/scenario.h:
vmm/util.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/exit_status.h:
