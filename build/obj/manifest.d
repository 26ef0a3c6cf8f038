build/obj/manifest.o: fwtool/manifest.c build/config.h fwtool/hex.h \
 fwtool/manifest.h fwtool/err.h fwtool/hash.h fwtool/limits.h \
 fwtool/semver.h
build/config.h:
fwtool/hex.h:
fwtool/manifest.h:
fwtool/err.h:
fwtool/hash.h:
fwtool/limits.h:
fwtool/semver.h:
