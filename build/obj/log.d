build/obj/log.o: fwtool/log.c build/config.h fwtool/log.h fwtool/err.h
build/config.h:
fwtool/log.h:
fwtool/err.h:
