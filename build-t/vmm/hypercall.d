build-t/vmm/hypercall.o: vmm/hypercall.c vmm/hypercall.h vmm/cpu.h \
 vmm/fault_policy.h vmm/histogram.h include/labyrinth/guest_abi.h \
 vmm/trace.h vmm/crash.h vmm/memory.h vmm/config.h vmm/vm.h \
 include/labyrinth/exit_status.h vmm/sampler.h vmm/util.h
vmm/hypercall.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
vmm/crash.h:
vmm/memory.h:
vmm/config.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/sampler.h:
vmm/util.h:
