build/obj/err.o: fwtool/err.c build/config.h fwtool/err.h
build/config.h:
fwtool/err.h:
