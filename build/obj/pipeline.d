build/obj/pipeline.o: fwtool/pipeline.c build/config.h fwtool/bufq.h \
 fwtool/err.h fwtool/limits.h fwtool/decomp.h fwtool/manifest.h \
 fwtool/hash.h fwtool/pipeline.h fwtool/bundle.h
build/config.h:
fwtool/bufq.h:
fwtool/err.h:
fwtool/limits.h:
fwtool/decomp.h:
fwtool/manifest.h:
fwtool/hash.h:
fwtool/pipeline.h:
fwtool/bundle.h:
