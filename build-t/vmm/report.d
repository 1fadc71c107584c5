build-t/vmm/report.o: vmm/report.c vmm/bare_pager.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h include/labyrinth/guest_abi.h \
 vmm/trace.h vmm/guest_pages.h vmm/config.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/reclaim.h \
 vmm/swap.h vmm/memory.h vmm/vm.h include/labyrinth/exit_status.h \
 vmm/prefetch.h vmm/report.h vmm/sampler.h vmm/util.h
vmm/bare_pager.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
vmm/guest_pages.h:
vmm/config.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
vmm/swap.h:
vmm/memory.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/prefetch.h:
vmm/report.h:
vmm/sampler.h:
vmm/util.h:
