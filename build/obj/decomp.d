build/obj/decomp.o: fwtool/decomp.c build/config.h fwtool/decomp.h \
 fwtool/err.h fwtool/manifest.h fwtool/hash.h fwtool/limits.h
build/config.h:
fwtool/decomp.h:
fwtool/err.h:
fwtool/manifest.h:
fwtool/hash.h:
fwtool/limits.h:
