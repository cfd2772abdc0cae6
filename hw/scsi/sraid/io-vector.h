/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: scatter-gather lists.
 *
 * A logical drive request's data arrives as an I/O vector (the guest's
 * buffers, as QEMU's block layer hands them over).  The engine cuts it at
 * strip boundaries and gives each member I/O the segments of its part, so
 * member reads land in the guest's memory with no copy in between.
 */
#ifndef SRAID_IO_VECTOR_H
#define SRAID_IO_VECTOR_H

#include <glib.h>
#include <stddef.h>
#include <sys/uio.h>

/* Bytes in @niov segments. */
size_t sraid_iov_size(const struct iovec *iov, unsigned niov);

/*
 * Append to @out (a GArray of struct iovec) the segments that cover bytes
 * [@off, @off + @len) of @iov; returns how many were appended.  The range
 * must lie within the vector.
 */
unsigned sraid_iov_slice(GArray *out, const struct iovec *iov, unsigned niov,
                         size_t off, size_t len);

/* Copy bytes [@off, @off + @len) of @iov to @buf, or @buf into them. */
void sraid_iov_to_buf(const struct iovec *iov, unsigned niov, size_t off,
                      void *buf, size_t len);
void sraid_iov_from_buf(const struct iovec *iov, unsigned niov, size_t off,
                        const void *buf, size_t len);

#endif /* SRAID_IO_VECTOR_H */
