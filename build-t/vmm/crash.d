build-t/vmm/crash.o: vmm/crash.c vmm/crash.h vmm/cpu.h vmm/fault_policy.h \
 vmm/histogram.h include/labyrinth/guest_abi.h vmm/trace.h \
 vmm/hypercall.h vmm/memory.h vmm/config.h vmm/vm.h \
 include/labyrinth/exit_status.h vmm/util.h vmm/x86/boot.h
vmm/crash.h:
vmm/cpu.h:
vmm/fault_policy.h:
vmm/histogram.h:
include/labyrinth/guest_abi.h:
vmm/trace.h:
vmm/hypercall.h:
vmm/memory.h:
vmm/config.h:
vmm/vm.h:
include/labyrinth/exit_status.h:
vmm/util.h:
vmm/x86/boot.h:
