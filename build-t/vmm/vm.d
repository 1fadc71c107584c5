build-t/vmm/vm.o: vmm/vm.c vmm/vm.h vmm/config.h \
 include/labyrinth/guest_abi.h include/labyrinth/exit_status.h \
 vmm/bare_pager.h vmm/control.h vmm/pressure.h vmm/util.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h vmm/trace.h vmm/guest_pages.h \
 include/labyrinth/frame_alloc.h include/labyrinth/gfp.h vmm/reclaim.h \
 vmm/swap.h vmm/kvm.h include/labyrinth/linux_compat.h vmm/loader.h \
 vmm/memory.h vmm/prefetch.h vmm/report.h vmm/sampler.h vmm/scenario.h \
 vmm/servicer.h vmm/uffd.h vmm/x86/boot.h
vmm/vm.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/exit_status.h:
vmm/bare_pager.h:
vmm/control.h:
vmm/pressure.h:
vmm/util.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
vmm/trace.h:
vmm/guest_pages.h:
include/labyrinth/frame_alloc.h:
include/labyrinth/gfp.h:
vmm/reclaim.h:
vmm/swap.h:
vmm/kvm.h:
include/labyrinth/linux_compat.h:
vmm/loader.h:
vmm/memory.h:
vmm/prefetch.h:
vmm/report.h:
vmm/sampler.h:
vmm/scenario.h:
vmm/servicer.h:
vmm/uffd.h:
vmm/x86/boot.h:
