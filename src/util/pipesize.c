/* src/util/pipesize.c - a pipe written to by an event loop, given room to absorb a slow reader */
#include "util/pipesize.h"

#include <fcntl.h>
#include <sys/stat.h>

/* pipe_grow - see pipesize.h */
size_t
pipe_grow(int fd, size_t want)
{
	struct stat st;
	int now;

	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return 0;
#ifdef F_SETPIPE_SZ
	if ((now = fcntl(fd, F_GETPIPE_SZ)) < 0)
		return 0;
	if ((size_t)now < want && want <= (size_t)0x7fffffff) {
		int got = fcntl(fd, F_SETPIPE_SZ, (int)want);

		if (got > 0)
			now = got;	/* a refusal (EPERM over the limit, EBUSY) keeps what it had */
	}
	return (size_t)now;
#else
	(void)now;
	(void)want;
	return 0;
#endif
}
