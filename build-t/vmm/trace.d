build-t/vmm/trace.o: vmm/trace.c vmm/trace.h vmm/cpu.h vmm/fault_policy.h \
 vmm/histogram.h include/labyrinth/guest_abi.h vmm/servicer.h \
 vmm/prefetch.h vmm/reclaim.h include/labyrinth/frame_alloc.h \
 include/labyrinth/gfp.h vmm/util.h vmm/vm.h vmm/config.h \
 include/labyrinth/exit_status.h
vmm/trace.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/servicer.h:
vmm/prefetch.h:
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/util.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/exit_status.h:
