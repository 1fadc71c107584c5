build-t/vmm/reclaim.o: vmm/reclaim.c vmm/reclaim.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h \
 include/labyrinth/guest_abi.h vmm/cpu.h vmm/fault_policy.h \
 vmm/histogram.h vmm/trace.h vmm/guest_pages.h vmm/config.h vmm/swap.h \
 vmm/kvm.h vmm/memory.h vmm/vm.h include/labyrinth/exit_status.h \
 vmm/runs.h vmm/uffd.h vmm/util.h
vmm/reclaim.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
include/labyrinth/guest_abi.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
vmm/trace.h:
vmm/guest_pages.h:
vmm/config.h:
vmm/swap.h:
vmm/kvm.h:
vmm/memory.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/runs.h:
vmm/uffd.h:
vmm/util.h:
