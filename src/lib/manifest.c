/*
** manifest.c -- the MANIFEST of an archive, the deletion files, and the
** atomic replacement that makes a commit durable.
**
** MANIFEST (little-endian):
**   "DPMANIF1", u32 version (1), u32 nseg, u64 generation, u64 next file
**   number, then per segment (oldest first) 40 bytes: u64 segment number,
**   u32 ndocs, u32 ndeleted, u64 deletion file number (0: none), u64
**   segment file size, u64 0; then u32 CRC-32C of everything before.
**
** A deletion file (del-NNNNNNNNNNNN.dpd) is "DPDELET1", u64 segment
** number, u32 ndocs, u32 ndeleted, the bitmap (bit d of byte d/8 set when
** docid d is deleted), u32 CRC-32C of everything before.  Deletion files
** are never modified: a commit that deletes more writes a new one.
**
** A commit writes MANIFEST.tmp, fsyncs it, renames it over MANIFEST and
** fsyncs the directory: a reader sees the old or the new manifest, never
** a mix, and a crash at any point leaves one of them intact.
*/
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAN_HEAD 32
#define MAN_ENTRY 40
#define MAN_MAX (64u << 20)

void dp__set_err(dp_buf *err, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    dp__buf_clear(err);
    va_start(ap, fmt);
    dp__buf_vprintf(err, fmt, ap);
    va_end(ap);
}

void dp__seg_path(char *out, size_t cap, const char *dir, uint64_t no)
{
    snprintf(out, cap, "%s/seg-%012llu.dps", dir, (unsigned long long)no);
}

void dp__del_path(char *out, size_t cap, const char *dir, uint64_t no)
{
    snprintf(out, cap, "%s/del-%012llu.dpd", dir, (unsigned long long)no);
}

void dp__crash_point(const char *name)
{
    const char *want = getenv("DEPECHE_TEST_CRASH_AT");
    size_t n = strlen(name);
    if (want == NULL || strncmp(want, name, n) != 0 ||
        (want[n] != '\0' && want[n] != ':'))
        return;
    /* "name:N": crash at the Nth passage; a counter in the environment
    ** keeps this free of global state. */
    if (want[n] == ':') {
        long left = strtol(want + n + 1, NULL, 10);
        if (left > 1) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s:%ld", name, left - 1);
            setenv("DEPECHE_TEST_CRASH_AT", buf, 1);
            return;
        }
    }
    kill(getpid(), SIGKILL);
}

int dp__read_file(const char *path, uint8_t **out, size_t *n, dp_buf *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0) {
        dp__set_err(err, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? DP_ENOTFOUND : DP_EIO;
    }
    if (fstat(fd, &st) != 0) {
        dp__set_err(err, "%s: %s", path, strerror(errno));
        close(fd);
        return DP_EIO;
    }
    if (st.st_size > MAN_MAX) {
        dp__set_err(err, "%s: too large for a manifest", path);
        close(fd);
        return DP_ECORRUPT;
    }
    uint8_t *b = dp__malloc((size_t)st.st_size + 1);
    if (b == NULL) {
        close(fd);
        return DP_ENOMEM;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, b + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    *out = b;
    *n = got;
    return DP_OK;
}

int dp__fsync(int fd)
{
    if (getenv("DEPECHE_UNSAFE_NOSYNC") != NULL)
        return 0;
    return fsync(fd);
}

static int write_all_sync(const char *path, const void *p, size_t n, int oflags,
                          dp_buf *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, 0644);
    size_t done = 0;
    if (fd < 0)
        goto fail;
    while (done < n) {
        ssize_t k = write(fd, (const char *)p + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            goto fail;
        done += (size_t)k;
    }
    if (dp__fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return DP_OK;
fail:
    dp__set_err(err, "%s: %s", path, strerror(errno ? errno : EIO));
    if (fd >= 0)
        close(fd);
    return DP_EIO;
}

int dp__fsync_dir(const char *dir, dp_buf *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || dp__fsync(fd) != 0) {
        dp__set_err(err, "%s: fsync: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return DP_EIO;
    }
    close(fd);
    return DP_OK;
}

static int man_corrupt(const char *path, dp_buf *err, const char *what)
{
    dp__set_err(err, "%s: damaged manifest (%s)", path, what);
    return DP_ECORRUPT;
}

static int man_parse(const char *path, const uint8_t *b, size_t n,
                     dp__manifest *m, dp_buf *err)
{
    if (n < MAN_HEAD + 4 || memcmp(b, "DPMANIF1", 8) != 0)
        return man_corrupt(path, err, "bad header");
    if (dp__crc32c(0, b, n - 4) != dp__get_u32(b + n - 4))
        return man_corrupt(path, err, "checksum");
    if (dp__get_u32(b + 8) != 1)
        return man_corrupt(path, err, "unknown version");
    uint32_t nseg = dp__get_u32(b + 12);
    if ((uint64_t)nseg * MAN_ENTRY != n - 4 - MAN_HEAD)
        return man_corrupt(path, err, "size");
    m->generation = dp__get_u64(b + 16);
    m->next_no = dp__get_u64(b + 24);
    m->nseg = nseg;
    m->segs = dp__calloc(nseg ? nseg : 1, sizeof *m->segs);
    if (m->segs == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; i < nseg; i++) {
        const uint8_t *e = b + MAN_HEAD + (size_t)i * MAN_ENTRY;
        dp__mseg *s = &m->segs[i];
        s->seg_no = dp__get_u64(e);
        s->ndocs = dp__get_u32(e + 8);
        s->ndeleted = dp__get_u32(e + 12);
        s->del_no = dp__get_u64(e + 16);
        s->bytes = dp__get_u64(e + 24);
        if (s->ndeleted > s->ndocs || s->seg_no >= m->next_no ||
            s->del_no >= m->next_no)
            return man_corrupt(path, err, "segment entry");
    }
    return DP_OK;
}

int dp__manifest_read(const char *dir, dp__manifest *m, dp_buf *err)
{
    char path[4096];
    uint8_t *b;
    size_t n;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    int rc = dp__read_file(path, &b, &n, err);
    if (rc != DP_OK)
        return rc;
    rc = man_parse(path, b, n, m, err);
    dp__free(b);
    if (rc != DP_OK)
        dp__manifest_free(m);
    return rc;
}

int dp__manifest_write(const char *dir, const dp__manifest *m, dp_buf *err,
                       bool *published)
{
    if (published)
        *published = false;
    char path[4096], tmp[4096];
    dp_buf b = DP_BUF_INIT;
    int rc = dp__buf_append(&b, "DPMANIF1", 8);
    rc = rc ? rc : dp__buf_put_u32(&b, 1);
    rc = rc ? rc : dp__buf_put_u32(&b, (uint32_t)m->nseg);
    rc = rc ? rc : dp__buf_put_u64(&b, m->generation);
    rc = rc ? rc : dp__buf_put_u64(&b, m->next_no);
    for (size_t i = 0; i < m->nseg && rc == DP_OK; i++) {
        const dp__mseg *s = &m->segs[i];
        rc = dp__buf_put_u64(&b, s->seg_no);
        rc = rc ? rc : dp__buf_put_u32(&b, s->ndocs);
        rc = rc ? rc : dp__buf_put_u32(&b, s->ndeleted);
        rc = rc ? rc : dp__buf_put_u64(&b, s->del_no);
        rc = rc ? rc : dp__buf_put_u64(&b, s->bytes);
        rc = rc ? rc : dp__buf_put_u64(&b, 0);
    }
    rc = rc ? rc : dp__buf_put_u32(&b, dp__crc32c(0, b.p, b.n));
    if (rc != DP_OK) {
        dp__buf_free(&b);
        return rc;
    }
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    snprintf(tmp, sizeof tmp, "%s/MANIFEST.tmp", dir);
    dp__crash_point("manifest-write");
    rc = write_all_sync(tmp, b.p, b.n, O_TRUNC, err);
    dp__buf_free(&b);
    dp__crash_point("manifest-rename");
    if (rc == DP_OK && rename(tmp, path) != 0) {
        dp__set_err(err, "%s: rename: %s", path, strerror(errno));
        rc = DP_EIO;
    }
    if (rc == DP_OK && published)
        *published = true;
    if (rc == DP_OK)
        rc = dp__fsync_dir(dir, err);
    dp__crash_point("manifest-done");
    return rc;
}

void dp__manifest_free(dp__manifest *m)
{
    dp__free(m->segs);
    m->segs = NULL;
    m->nseg = 0;
}

int dp__del_read(const char *dir, uint64_t del_no, uint64_t seg_no,
                 uint32_t ndocs, uint8_t **bitmap, uint32_t *ndeleted,
                 dp_buf *err)
{
    char path[4096];
    uint8_t *b;
    size_t n, bn = ((size_t)ndocs + 7) / 8;
    *bitmap = NULL;
    dp__del_path(path, sizeof path, dir, del_no);
    int rc = dp__read_file(path, &b, &n, err);
    if (rc != DP_OK)
        return rc;
    if (n != 24 + bn + 4 || memcmp(b, "DPDELET1", 8) != 0 ||
        dp__crc32c(0, b, n - 4) != dp__get_u32(b + n - 4) ||
        dp__get_u64(b + 8) != seg_no || dp__get_u32(b + 16) != ndocs) {
        dp__free(b);
        dp__set_err(err, "%s: damaged deletion file", path);
        return DP_ECORRUPT;
    }
    uint32_t count = 0;
    for (size_t i = 0; i < bn; i++)
        count += (uint32_t)__builtin_popcount(b[24 + i]);
    if (count != dp__get_u32(b + 20) || (ndocs % 8 && b[24 + bn - 1] >> (ndocs % 8))) {
        dp__free(b);
        dp__set_err(err, "%s: damaged deletion file (count)", path);
        return DP_ECORRUPT;
    }
    memmove(b, b + 24, bn);
    *bitmap = b;
    *ndeleted = count;
    return DP_OK;
}

int dp__del_write(const char *dir, uint64_t del_no, uint64_t seg_no,
                  uint32_t ndocs, const uint8_t *bitmap, dp_buf *err)
{
    char path[4096];
    dp_buf b = DP_BUF_INIT;
    size_t bn = ((size_t)ndocs + 7) / 8;
    uint32_t count = 0;
    for (size_t i = 0; i < bn; i++)
        count += (uint32_t)__builtin_popcount(bitmap[i]);
    int rc = dp__buf_append(&b, "DPDELET1", 8);
    rc = rc ? rc : dp__buf_put_u64(&b, seg_no);
    rc = rc ? rc : dp__buf_put_u32(&b, ndocs);
    rc = rc ? rc : dp__buf_put_u32(&b, count);
    rc = rc ? rc : dp__buf_append(&b, bitmap, bn);
    rc = rc ? rc : dp__buf_put_u32(&b, dp__crc32c(0, b.p, b.n));
    if (rc == DP_OK) {
        dp__del_path(path, sizeof path, dir, del_no);
        rc = write_all_sync(path, b.p, b.n, O_TRUNC, err);
    }
    dp__buf_free(&b);
    return rc;
}
