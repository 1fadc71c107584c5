build-t/vmm/fault_policy.o: vmm/fault_policy.c vmm/fault_policy.h \
 vmm/cpu.h vmm/histogram.h include/labyrinth/guest_abi.h vmm/trace.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/uffd.h \
 vmm/config.h vmm/reclaim.h vmm/util.h vmm/vm.h \
 include/labyrinth/exit_status.h
vmm/fault_policy.h:
vmm/cpu.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/uffd.h:
vmm/config.h:
vmm/reclaim.h:
vmm/util.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
