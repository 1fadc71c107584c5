build-t/vmm/histogram.o: vmm/histogram.c vmm/histogram.h
vmm/histogram.h:
