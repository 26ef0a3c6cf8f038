build/obj/sig.o: fwtool/sig.c build/config.h fwtool/hash.h \
 fwtool/limits.h fwtool/sig.h fwtool/err.h fwtool/keyring.h
build/config.h:
fwtool/hash.h:
fwtool/limits.h:
fwtool/sig.h:
fwtool/err.h:
fwtool/keyring.h:
