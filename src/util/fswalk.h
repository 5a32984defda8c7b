/* src/util/fswalk.h - strangers' files and folders: regular files only, each folder once, no links out */
#ifndef MS_UTIL_FSWALK_H
#define MS_UTIL_FSWALK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * A folder of reports (or a zone file) may have been put together by
 * someone else: it may hold a FIFO (reading it blocks forever), a device
 * (/dev/zero never ends), symbolic links to the folder's own parent (a walk
 * that follows them grows exponentially) or out of the tree (/etc/shadow).
 * These helpers open regular files only and walk each folder once.
 */

/*
 * fs_open_regular - open path for reading if it is a regular file.  The open
 * never blocks (O_NONBLOCK, cleared afterwards) and the type is checked with
 * fstat on what was opened, so a file swapped for a FIFO between a check and
 * the open is still refused.  With nofollow a symbolic link is refused too
 * (O_NOFOLLOW).  On success *fd is the caller's to close; on failure *why
 * is a static string (MS_ERR_IO: could not open; MS_ERR_ARG: not a regular
 * file, *why says what it is).
 */
MS_MUST_CHECK enum ms_status fs_open_regular(const char *path, bool nofollow, int *fd, const char **why);

/*
 * fs_read_fd - read fd to its end, at most max bytes (MS_ERR_LIMIT past it).
 * *data is NUL-terminated after *len bytes, the caller frees it; NULL on
 * failure.  Does not close fd.
 */
MS_MUST_CHECK enum ms_status fs_read_fd(int fd, size_t max, char **data, size_t *len, const char **why);


/* fs_mode_what - "a FIFO (named pipe)", "a directory", ... for a st_mode (static text) */
const char *fs_mode_what(unsigned mode);

struct fs_walk_ops {
	/*
	 * file - a regular file to read.  path is as found below the folder
	 * given, or the target's real path when reached through a link;
	 * nofollow: open it with O_NOFOLLOW (false only for a path the caller
	 * named itself); grouped: found in one of the group subfolders (see
	 * fs_walk_opts).  path is borrowed for the call.
	 */
	void (*file)(void *arg, const char *path, bool nofollow, bool grouped);
	/*
	 * skipped - an entry that is not read and why (borrowed).  notable is
	 * false for what loses nothing (a folder already walked through another
	 * link), true for everything else (a FIFO, a device, a link out of the
	 * tree, a folder that cannot be read, too deep).
	 */
	void (*skipped)(void *arg, const char *path, const char *why, bool notable);
	void *arg;
};

struct fs_walk_opts {
	bool follow_symlinks;	/* follow links out of the folder given, too */
	size_t max_depth;	/* folders below the one given (0: 16) */
	/*
	 * group - NULL or a NULL-terminated list of subfolder names: a folder
	 * holding every one of them (a Maildir: cur, new) is read as a group:
	 * only the regular files directly in those subfolders, in name order,
	 * with grouped set; nothing else inside it.
	 */
	const char *const *group;
};

struct fs_walk;

/* fs_walk_new - a walker remembering the folders it read across calls; caller frees with fs_walk_free */
struct fs_walk *fs_walk_new(const struct fs_walk_opts *o, const struct fs_walk_ops *ops);
/*
 * fs_walk_path - path is a file (given to ops->file as named) or a folder,
 * walked depth first in name order (names starting with '.' are left out);
 * every folder is read at most once per walker (device and inode), links
 * are followed only when their target stays inside path (or with
 * follow_symlinks), and anything that is not a regular file or a folder is
 * skipped and reported.  path is borrowed for the call; w keeps only the
 * identities of the folders it read.
 */
void fs_walk_path(struct fs_walk *w, const char *path);
/* fs_walk_free - free w and what it remembers; NULL-safe */
void fs_walk_free(struct fs_walk *w);

#endif
