/* src/util/fswalk.c - strangers' files and folders: regular files only, each folder once, no links out */
#include "util/fswalk.h"
#include "util/sort.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_DEPTH_DEFAULT	16
#define WALK_DIRS_MAX		1000000	/* folders remembered by one walker */

const char *
fs_mode_what(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO (named pipe)";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFLNK: return "a symbolic link";
	}
	return "not a regular file";
}

enum ms_status
fs_open_regular(const char *path, bool nofollow, int *fd, const char **why)
{
	struct stat sb;
	int f, off = 0;

	*fd = -1;
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
	if (f < 0) {
		*why = nofollow && errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno);
		return MS_ERR_IO;
	}
	if (fstat(f, &sb) != 0) {
		*why = strerror(errno);
		close(f);
		return MS_ERR_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		static const char *const what[] = {
			"not a regular file: a directory", "not a regular file: a FIFO (named pipe)",
			"not a regular file: a socket", "not a regular file: a character device",
			"not a regular file: a block device", "not a regular file",
		};

		*why = S_ISDIR(sb.st_mode) ? what[0] : S_ISFIFO(sb.st_mode) ? what[1] :
		    S_ISSOCK(sb.st_mode) ? what[2] : S_ISCHR(sb.st_mode) ? what[3] :
		    S_ISBLK(sb.st_mode) ? what[4] : what[5];
		close(f);
		return MS_ERR_ARG;
	}
	(void)ioctl(f, FIONBIO, &off);	/* blocking reads again: it is a regular file */
	*fd = f;
	return MS_OK;
}

enum ms_status
fs_read_fd(int fd, size_t max, char **data, size_t *len, const char **why)
{
	char *d = NULL;
	size_t cap = 0, n = 0;

	*data = NULL;
	*len = 0;
	for (;;) {
		ssize_t got;

		if (n == cap) {
			if (cap >= max) {
				char probe;

				/* exactly max bytes is fine; one more is not */
				if ((got = read(fd, &probe, 1)) == 0)
					break;
				free(d);
				*why = got < 0 ? strerror(errno) : "file larger than the input cap";
				return got < 0 ? MS_ERR_IO : MS_ERR_LIMIT;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > max)
				cap = max;
			d = xrealloc(d, cap + 1);
		}
		got = read(fd, d + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*why = strerror(errno);
			free(d);
			return MS_ERR_IO;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (d == NULL)
		d = xmalloc(1);
	d[n] = '\0';
	*data = d;
	*len = n;
	return MS_OK;
}

struct fs_walk {
	struct fs_walk_opts o;
	struct fs_walk_ops ops;
	struct strmap seen;	/* "dev:ino" of every folder read */
	char *root;		/* real path of the folder being walked */
	size_t rootlen;
};

struct fs_walk *
fs_walk_new(const struct fs_walk_opts *o, const struct fs_walk_ops *ops)
{
	struct fs_walk *w = xcalloc(1, sizeof(*w));

	w->o = *o;
	if (w->o.max_depth == 0)
		w->o.max_depth = WALK_DEPTH_DEFAULT;
	w->ops = *ops;
	strmap_init(&w->seen, WALK_DIRS_MAX);
	return w;
}

void
fs_walk_free(struct fs_walk *w)
{
	if (w == NULL)
		return;
	strmap_free(&w->seen, NULL);
	free(w->root);
	free(w);
}

#define TOO_MANY_DIRS	"more folders than one walk remembers (1,000,000): not read"

/*
 * first_visit - remember the folder sb; false if it was read before, or if
 * the walker cannot remember more folders (*why says so; NULL otherwise)
 */
static bool
first_visit(struct fs_walk *w, const struct stat *sb, const char **why)
{
	char key[64];
	int n = snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)sb->st_dev,
	    (unsigned long long)sb->st_ino);

	*why = NULL;
	if (strmap_get(&w->seen, key, (size_t)n))
		return false;
	if (strmap_put(&w->seen, key, (size_t)n, w) != MS_OK) {
		*why = TOO_MANY_DIRS;	/* a folder not remembered could be read twice */
		return false;
	}
	return true;
}

/* inside - real path rp is the root or below it */
static bool
inside(const struct fs_walk *w, const char *rp)
{
	if (w->root == NULL)
		return false;
	if (strcmp(w->root, "/") == 0)
		return true;
	return strncmp(rp, w->root, w->rootlen) == 0 && (rp[w->rootlen] == '\0' ||
	    rp[w->rootlen] == '/');
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_dir - names in the folder fd (not starting with '.'), sorted; closes fd; NULL-terminated, caller frees */
static char **
list_dir(int fd, size_t *count)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, cap = 0;

	*count = 0;
	if (d == NULL) {
		close(fd);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	sort_any(v, n, sizeof(*v), cmp_name);
	if (v)
		v[n] = NULL;
	*count = n;
	return v;
}

static void walk_dir(struct fs_walk *w, const char *path, bool named, size_t depth);

/* walk_entry - one name found in a folder: dispatch by what it is (links checked first) */
static void
walk_entry(struct fs_walk *w, const char *path, size_t depth, bool grouped)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		w->ops.skipped(w->ops.arg, path, strerror(errno), true);
		return;
	}
	if (S_ISLNK(sb.st_mode)) {
		char *rp = realpath(path, NULL);

		if (rp == NULL) {
			w->ops.skipped(w->ops.arg, path, "a symbolic link to nothing readable", true);
			return;
		}
		if (!w->o.follow_symlinks && !inside(w, rp)) {
			w->ops.skipped(w->ops.arg, path, "a symbolic link out of the folder given "
			    "(--follow-symlinks follows it)", true);
			free(rp);
			return;
		}
		if (stat(rp, &sb) != 0)
			w->ops.skipped(w->ops.arg, path, strerror(errno), true);
		else if (S_ISDIR(sb.st_mode) && !grouped)
			walk_dir(w, rp, false, depth + 1);
		else if (S_ISREG(sb.st_mode))
			w->ops.file(w->ops.arg, rp, true, grouped);
		else
			w->ops.skipped(w->ops.arg, path, fs_mode_what(sb.st_mode), true);
		free(rp);
		return;
	}
	if (S_ISDIR(sb.st_mode) && !grouped)
		walk_dir(w, path, false, depth + 1);
	else if (S_ISREG(sb.st_mode))
		w->ops.file(w->ops.arg, path, true, grouped);
	else if (!S_ISDIR(sb.st_mode))
		w->ops.skipped(w->ops.arg, path, fs_mode_what(sb.st_mode), true);
}

/* is_group - the folder fd holds every subfolder of w->o.group (not through links) */
static bool
is_group(const struct fs_walk *w, int fd)
{
	struct stat sb;

	if (w->o.group == NULL || w->o.group[0] == NULL)
		return false;
	for (const char *const *g = w->o.group; *g; g++)
		if (fstatat(fd, *g, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode))
			return false;
	return true;
}

/* walk_group - the files of each group subfolder of path, in order of their full paths */
static void
walk_group(struct fs_walk *w, const char *path, size_t depth)
{
	for (const char *const *g = w->o.group; *g; g++) {
		char *sub = xasprintf("%s/%s", path, *g);
		int fd = open(sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat sb;
		char **names;
		const char *why = NULL;
		size_t n;

		if (fd < 0 || fstat(fd, &sb) != 0 || !first_visit(w, &sb, &why)) {
			if (fd >= 0)
				close(fd);
			if (fd < 0 || why)
				w->ops.skipped(w->ops.arg, sub, why ? why : strerror(errno), true);
			free(sub);
			continue;
		}
		names = list_dir(fd, &n);
		for (size_t i = 0; i < n; i++) {
			char *p = xasprintf("%s/%s", sub, names[i]);

			walk_entry(w, p, depth, true);
			free(p);
			free(names[i]);
		}
		free(names);
		free(sub);
	}
}

/* walk_dir - read the folder path (once), depth first */
static void
walk_dir(struct fs_walk *w, const char *path, bool named, size_t depth)
{
	int fd;
	struct stat sb;
	char **names;
	const char *why = NULL;
	size_t n;

	if (depth > w->o.max_depth) {
		w->ops.skipped(w->ops.arg, path, "folders nested too deeply", true);
		return;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (named ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		w->ops.skipped(w->ops.arg, path, strerror(errno), true);
		return;
	}
	if (fstat(fd, &sb) != 0 || !first_visit(w, &sb, &why)) {
		close(fd);
		w->ops.skipped(w->ops.arg, path, why ? why :
		    "a folder already read (through another link)", why != NULL);
		return;
	}
	if (is_group(w, fd)) {
		close(fd);
		walk_group(w, path, depth);
		return;
	}
	names = list_dir(fd, &n);
	for (size_t i = 0; i < n; i++) {
		char *p = strcmp(path, "/") == 0 ? xasprintf("/%s", names[i]) :
		    xasprintf("%s/%s", path, names[i]);

		walk_entry(w, p, depth, false);
		free(p);
		free(names[i]);
	}
	free(names);
}

void
fs_walk_path(struct fs_walk *w, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		w->ops.skipped(w->ops.arg, path, strerror(errno), true);
		return;
	}
	if (S_ISREG(sb.st_mode)) {
		w->ops.file(w->ops.arg, path, false, false);
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		w->ops.skipped(w->ops.arg, path, fs_mode_what(sb.st_mode), true);
		return;
	}
	free(w->root);
	w->root = realpath(path, NULL);
	w->rootlen = w->root ? strlen(w->root) : 0;
	walk_dir(w, path, true, 0);
}
