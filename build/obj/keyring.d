build/obj/keyring.o: fwtool/keyring.c build/config.h fwtool/keyring.h \
 fwtool/err.h fwtool/limits.h
build/config.h:
fwtool/keyring.h:
fwtool/err.h:
fwtool/limits.h:
