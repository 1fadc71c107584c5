build-t/vmm/kvm.o: vmm/kvm.c vmm/kvm.h include/labyrinth/linux_compat.h \
 vmm/util.h vmm/vm.h vmm/config.h include/labyrinth/guest_abi.h \
 include/labyrinth/exit_status.h
vmm/kvm.h:
include/labyrinth/linux_compat.h:
vmm/util.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/exit_status.h:
