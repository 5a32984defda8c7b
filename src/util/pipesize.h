/* src/util/pipesize.h - a pipe written to by an event loop, given room to absorb a slow reader */
#ifndef MS_UTIL_PIPESIZE_H
#define MS_UTIL_PIPESIZE_H

#include <stddef.h>

/*
 * PIPE_STREAM_SIZE - what a program streaming results asks of its output
 * pipe: 1 MiB, Linux's default /proc/sys/fs/pipe-max-size for unprivileged
 * processes (the default capacity is 64 KiB, about nine full-audit JSON
 * lines).
 */
#define PIPE_STREAM_SIZE	((size_t)1 << 20)

/*
 * pipe_grow - when fd is a pipe (or FIFO), raise its capacity to at least
 * want octets (Linux F_SETPIPE_SZ; a pipe already that large is left alone).
 * A program whose event loop writes results to a pipe stops answering its
 * sockets while the write blocks; a reader that falls behind for a moment
 * (descheduled on a busy machine) then stalls DNS, not just output.  Returns
 * the capacity after the call, 0 when fd is no pipe or the kernel refused
 * (both harmless: the output is the same, only the blocking differs).
 * Changes only the pipe's size, which every process holding it shares.
 */
size_t pipe_grow(int fd, size_t want);

#endif
