build-t/vmm/scenario.o: vmm/scenario.c vmm/scenario.h vmm/pressure.h \
 vmm/util.h vmm/sampler.h vmm/vm.h vmm/config.h \
 include/labyrinth/guest_abi.h include/labyrinth/exit_status.h
vmm/scenario.h:
vmm/pressure.h:
vmm/util.h:
vmm/sampler.h:
vmm/vm.h:
vmm/config.h:
include/labyrinth/guest_abi.h:
include/labyrinth/exit_status.h:
