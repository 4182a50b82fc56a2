#ifndef NETREACH_CSODIUM_SHIM_H
#define NETREACH_CSODIUM_SHIM_H
#include <sodium.h>
#endif
