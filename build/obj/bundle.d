build/obj/bundle.o: fwtool/bundle.c build/config.h fwtool/bundle.h \
 fwtool/err.h fwtool/limits.h fwtool/manifest.h fwtool/hash.h
build/config.h:
fwtool/bundle.h:
fwtool/err.h:
fwtool/limits.h:
fwtool/manifest.h:
fwtool/hash.h:
