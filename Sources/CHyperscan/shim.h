#ifndef WEFT_CHYPERSCAN_SHIM_H
#define WEFT_CHYPERSCAN_SHIM_H
#include <hs/hs.h>
#endif
