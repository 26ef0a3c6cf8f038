build/obj/verify.o: fwtool/verify.c build/config.h fwtool/semver.h \
 fwtool/sig.h fwtool/err.h fwtool/keyring.h fwtool/verify.h \
 fwtool/board.h fwtool/limits.h fwtool/manifest.h fwtool/hash.h \
 fwtool/bundle.h fwtool/pipeline.h
build/config.h:
fwtool/semver.h:
fwtool/sig.h:
fwtool/err.h:
fwtool/keyring.h:
fwtool/verify.h:
fwtool/board.h:
fwtool/limits.h:
fwtool/manifest.h:
fwtool/hash.h:
fwtool/bundle.h:
fwtool/pipeline.h:
