build/obj/bufq.o: fwtool/bufq.c build/config.h fwtool/bufq.h fwtool/err.h \
 fwtool/limits.h
build/config.h:
fwtool/bufq.h:
fwtool/err.h:
fwtool/limits.h:
