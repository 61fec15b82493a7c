/* file.c: reading a whole file into memory. */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *data = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 16384;
			char *p = realloc(data, cap);
			if (p == NULL) {
				free(data);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			data = p;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(data);
		errno = EIO;
		return NULL;
	}
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}
