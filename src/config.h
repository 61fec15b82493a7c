/* config.h: the key = value configuration file. */
#ifndef PORTAL_CONFIG_H
#define PORTAL_CONFIG_H

#include "app.h"

/* Sets the defaults of every setting. */
void config_defaults(struct config *c);
/*
 * Reads path into c.  A missing file is an error only when required.  An
 * unknown key, a bad value or a malformed line is reported as
 * "FILE:LINE: message" on stderr and returns -1.  Strings are kept for the
 * life of the process.
 */
int config_load(struct config *c, const char *path, int required);
/* Applies one setting by its key (the file's and the options' common path); 0 or -1 with *err. */
int config_set(struct config *c, const char *key, const char *value, const char **err);

#endif
