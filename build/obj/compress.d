build/obj/compress.o: fwtool/compress.c build/config.h fwtool/compress.h \
 fwtool/err.h fwtool/manifest.h fwtool/hash.h fwtool/limits.h
build/config.h:
fwtool/compress.h:
fwtool/err.h:
fwtool/manifest.h:
fwtool/hash.h:
fwtool/limits.h:
