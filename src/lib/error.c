/*
** error.c -- the names of return codes.
*/
#include "dp_int.h"

const char *dp_strerror(int rc)
{
    switch (rc) {
    case DP_OK: return "success";
    case DP_ENOTFOUND: return "not found";
    case DP_EINVAL: return "invalid argument or input";
    case DP_ENOMEM: return "out of memory";
    case DP_EIO: return "input/output error";
    case DP_ECORRUPT: return "archive data is damaged";
    case DP_ESYNTAX: return "syntax error";
    case DP_EBUSY: return "archive is locked by another writer";
    default: return "unknown error";
    }
}
