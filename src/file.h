/* file.h: reading a whole file, for migrations and templates read at start-up. */
#ifndef PORTAL_FILE_H
#define PORTAL_FILE_H

#include <stddef.h>

/* The whole of path as a malloc'd, NUL-terminated string (its length in *len
 * when not NULL) that the caller frees; NULL with errno set on failure. */
char *file_read(const char *path, size_t *len);

#endif
