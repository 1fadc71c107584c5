build-t/vmm/prefetch.o: vmm/prefetch.c vmm/prefetch.h vmm/guest_pages.h \
 vmm/config.h include/labyrinth/guest_abi.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/reclaim.h \
 vmm/swap.h vmm/runs.h vmm/servicer.h vmm/trace.h vmm/util.h vmm/uffd.h \
 vmm/vm.h include/labyrinth/exit_status.h
vmm/prefetch.h:
vmm/guest_pages.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
vmm/swap.h:
vmm/runs.h:
vmm/servicer.h:
vmm/trace.h:
vmm/util.h:
vmm/uffd.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
