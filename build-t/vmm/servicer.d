build-t/vmm/servicer.o: vmm/servicer.c vmm/servicer.h vmm/prefetch.h \
 vmm/reclaim.h include/labyrinth/frame_alloc.h include/labyrinth/gfp.h \
 include/labyrinth/guest_abi.h vmm/trace.h vmm/util.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h vmm/guest_pages.h vmm/config.h \
 vmm/swap.h include/labyrinth/linux_compat.h vmm/memory.h vmm/vm.h \
 include/labyrinth/exit_status.h vmm/uffd.h
vmm/servicer.h:
vmm/prefetch.h:
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
vmm/util.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
vmm/guest_pages.h:
vmm/config.h:
vmm/swap.h:
include/labyrinth/linux_compat.h:
vmm/memory.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/uffd.h:
