build-t/vmm/plot.o: vmm/plot.c vmm/plot.h include/labyrinth/exit_status.h \
 vmm/sampler.h vmm/util.h
vmm/plot.h:
include/labyrinth/exit_status.h:
vmm/sampler.h:
vmm/util.h:
