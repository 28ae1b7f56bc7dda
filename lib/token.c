/*
 * token.c: reads the handshake token from its file.  The first line is the
 * token; an empty one is refused, and a file everybody can read is worth a
 * warning since the token is what keeps strangers from feeding the store.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "token.h"

char *
token_read(const char *path)
{
	char buf[1024], *tok;
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("token file %s", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("token file %s is readable by everybody", path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		log_warnx("token file %s: first line is empty", path);
		return NULL;
	}
	if ((tok = strdup(buf)) == NULL)
		log_warn("%s", __func__);
	explicit_bzero(buf, sizeof(buf));
	return tok;
}
