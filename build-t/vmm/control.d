build-t/vmm/control.o: vmm/control.c vmm/control.h vmm/pressure.h \
 vmm/util.h vmm/report.h vmm/sampler.h vmm/vm.h vmm/config.h \
 include/labyrinth/guest_abi.h include/labyrinth/exit_status.h
vmm/control.h:
vmm/pressure.h:
vmm/util.h:
vmm/report.h:
vmm/sampler.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/exit_status.h:
