build-t/vmm/bare_pager.o: vmm/bare_pager.c vmm/bare_pager.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h include/labyrinth/guest_abi.h \
 vmm/trace.h include/labyrinth/linux_compat.h vmm/memory.h vmm/config.h \
 vmm/vm.h include/labyrinth/exit_status.h vmm/uffd.h vmm/reclaim.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/util.h
vmm/bare_pager.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
include/labyrinth/linux_compat.h:
vmm/memory.h:
vmm/config.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/uffd.h:
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/util.h:
