build-t/vmm/util.o: vmm/util.c vmm/util.h
vmm/util.h:
