build-t/vmm/sampler.o: vmm/sampler.c vmm/sampler.h vmm/util.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h include/labyrinth/guest_abi.h \
 vmm/trace.h include/labyrinth/frame_alloc.h include/labyrinth/gfp.h \
 vmm/reclaim.h vmm/vm.h vmm/config.h include/labyrinth/exit_status.h
vmm/sampler.h:
vmm/util.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/exit_status.h:
