/* src/util/readfile.c - a whole file into memory, with a size cap */
#include "util/readfile.h"
#include "util/fswalk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

enum ms_status
read_file(const char *path, size_t max, unsigned flags, struct read_file_result *out)
{
	enum ms_status st;
	int fd;

	out->data = NULL;
	out->len = 0;
	out->errnum = 0;
	out->why = NULL;
	if (flags & READ_FILE_REGULAR) {
		errno = 0;
		st = fs_open_regular(path, (flags & READ_FILE_NOFOLLOW) != 0, &fd, &out->why);
		if (st != MS_OK) {
			out->errnum = st == MS_ERR_IO ? errno : 0;
			return st;
		}
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		out->errnum = errno;
		out->why = strerror(errno);
		return MS_ERR_IO;
	}
	errno = 0;
	st = fs_read_fd(fd, max, &out->data, &out->len, &out->why);
	if (st == MS_ERR_IO)
		out->errnum = errno;
	close(fd);
	return st;
}
