build-t/vmm/cpu.o: vmm/cpu.c vmm/cpu.h vmm/fault_policy.h vmm/histogram.h \
 include/labyrinth/guest_abi.h vmm/trace.h vmm/crash.h vmm/hypercall.h \
 vmm/util.h vmm/vm.h vmm/config.h include/labyrinth/exit_status.h
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
vmm/crash.h:
vmm/hypercall.h:
vmm/util.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/exit_status.h:
