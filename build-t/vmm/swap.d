build-t/vmm/swap.o: vmm/swap.c vmm/swap.h vmm/runs.h vmm/util.h
vmm/swap.h:
vmm/runs.h:
vmm/util.h:
