build/obj/board.o: fwtool/board.c build/config.h fwtool/board.h \
 fwtool/err.h fwtool/limits.h fwtool/manifest.h fwtool/hash.h
build/config.h:
fwtool/board.h:
fwtool/err.h:
fwtool/limits.h:
fwtool/manifest.h:
fwtool/hash.h:
