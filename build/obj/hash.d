build/obj/hash.o: fwtool/hash.c build/config.h fwtool/hash.h
build/config.h:
fwtool/hash.h:
