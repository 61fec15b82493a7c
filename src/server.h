/* server.h: `portal serve`: the FastCGI workers. */
#ifndef PORTAL_SERVER_H
#define PORTAL_SERVER_H

/* Serves app_config.socket_path until SIGTERM or SIGINT; returns the exit status. */
int server_run(void);

#endif
