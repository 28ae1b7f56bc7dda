/*
 * token.h: the shared secret agents and the aggregator present in the
 * handshake, read from a token file (--token-file, token_file =).
 */
#ifndef STRATA_TOKEN_H
#define STRATA_TOKEN_H

/* The file's first line, or NULL with a logged reason; free() it. */
char	*token_read(const char *path);

#endif
