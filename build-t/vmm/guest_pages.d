build-t/vmm/guest_pages.o: vmm/guest_pages.c vmm/guest_pages.h \
 vmm/config.h include/labyrinth/guest_abi.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/reclaim.h \
 vmm/swap.h vmm/cpu.h vmm/fault_policy.h vmm/histogram.h vmm/trace.h \
 vmm/memory.h vmm/vm.h include/labyrinth/exit_status.h vmm/runs.h \
 vmm/uffd.h vmm/util.h
vmm/guest_pages.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
vmm/swap.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
vmm/trace.h:
vmm/memory.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/runs.h:
vmm/uffd.h:
vmm/util.h:
