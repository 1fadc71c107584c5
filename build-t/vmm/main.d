build-t/vmm/main.o: vmm/main.c vmm/config.h include/labyrinth/guest_abi.h \
 vmm/control.h vmm/pressure.h vmm/util.h vmm/domain.h \
 include/labyrinth/exit_status.h vmm/plot.h vmm/vm.h
vmm/config.h:
include/labyrinth/guest_abi.h:
vmm/control.h:
vmm/pressure.h:
vmm/util.h:
vmm/domain.h:
include/labyrinth/exit_status.h:
vmm/plot.h:
vmm/vm.h:
