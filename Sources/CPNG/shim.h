// The system libpng 1.6 (Debian: libpng-dev). Only Sources/Runner/Use/PNGFile.swift imports this module.
#include <png.h>
