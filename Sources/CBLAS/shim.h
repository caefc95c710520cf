// The system OpenBLAS (Debian: libopenblas-dev): cblas plus openblas_get_corename() and
// openblas_set_num_threads(). Only one file in Sources/Engine imports this module.
#include <cblas.h>
