build-t/vmm/x86/boot.o: vmm/x86/boot.c vmm/x86/boot.h vmm/x86/../cpu.h \
 vmm/x86/../fault_policy.h vmm/x86/../histogram.h \
 include/labyrinth/guest_abi.h vmm/x86/../trace.h vmm/x86/../loader.h \
 vmm/x86/../memory.h vmm/x86/../config.h vmm/x86/../vm.h \
 include/labyrinth/exit_status.h vmm/x86/../util.h vmm/x86/../vm.h
vmm/x86/boot.h:
vmm/x86/../cpu.h:
vmm/x86/../fault_policy.h:
vmm/x86/../histogram.h:
include/labyrinth/guest_abi.h:
vmm/x86/../trace.h:
vmm/x86/../loader.h:
vmm/x86/../memory.h:
vmm/x86/../config.h:
vmm/x86/../vm.h:
include/labyrinth/exit_status.h:
vmm/x86/../util.h:
vmm/x86/../vm.h:
