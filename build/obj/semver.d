build/obj/semver.o: fwtool/semver.c build/config.h fwtool/semver.h
build/config.h:
fwtool/semver.h:
