build/obj/hex.o: fwtool/hex.c build/config.h fwtool/hex.h
build/config.h:
fwtool/hex.h:
