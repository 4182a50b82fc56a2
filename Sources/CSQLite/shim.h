#ifndef NETREACH_CSQLITE_SHIM_H
#define NETREACH_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
