build/obj/config.o: fwtool/config.c build/config.h fwtool/config.h \
 fwtool/err.h fwtool/limits.h fwtool/manifest.h fwtool/hash.h
build/config.h:
fwtool/config.h:
fwtool/err.h:
fwtool/limits.h:
fwtool/manifest.h:
fwtool/hash.h:
