/*
** fuzz_reader.c -- libFuzzer target for the record readers and dates.
**
** The first byte picks the format (auto, text, JSON Lines, CSV, TSV), the
** second the UTF-8 policy and whether dates are required; the rest is the
** file.  It is handed to the public reader through a memfd, so the whole
** path is exercised: magic-byte sniffing, gzip/zstd, line splitting, the
** parsers and the record builder.  Every record is checked for the
** invariants the API promises (valid UTF-8 text and title, a non-empty
** id, text or title present, slices pointing at live memory, counters
** matching the callbacks).  The same bytes are
** also given to dp_date_parse.
**
** Further bits of the second byte (tests/fuzz owner): bit 2 gzips the
** file first, so that line splitting and the parsers also run behind the
** decompressor (inputs starting with gzip or zstd magic bytes already
** drive the decompressors on damaged streams); bit 3 makes the issue
** callback stop the read at the third issue, which dp_reader_next must
** hand back unchanged.
**
**   make fuzz   (clang -fsanitize=fuzzer, see fuzz.h)
**
** With tests/fuzz/replay.c it replays tests/fuzz/corpus/reader/ in
** `make check` (see fuzz.h).
*/
#include "dp_int.h"
#include "fuzz.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#define STOP_CODE 7

typedef struct issue_ctx {
    size_t count;
    size_t stop_at; /* 0: never stop */
} issue_ctx;

static int count_issue(void *ctx, const dp_issue *is)
{
    issue_ctx *ic = ctx;
    FUZZ_CHECK(is->message != NULL && is->file != NULL);
    FUZZ_CHECK((unsigned)is->kind < DP_ISSUE__COUNT);
    ic->count++;
    return ic->stop_at && ic->count >= ic->stop_at ? STOP_CODE : 0;
}

/* What dp_reader_next promises about every record it delivers. */
static void check_record(const dp_record *rec)
{
    FUZZ_CHECK(rec->id.n > 0);
    FUZZ_CHECK(rec->text.n > 0 || rec->title.n > 0);
    FUZZ_CHECK(rec->date.prec <= DP_PREC_TIME);
    fuzz_touch(rec->id);
    fuzz_touch(rec->text);
    fuzz_touch(rec->title);
    fuzz_touch(rec->source);
    fuzz_touch(rec->url);
    fuzz_touch(rec->lang);
    /* Repaired or rejected: what is delivered is valid UTF-8. */
    FUZZ_CHECK(dp__utf8_valid_prefix(rec->text.p, rec->text.n) == rec->text.n);
    FUZZ_CHECK(dp__utf8_valid_prefix(rec->title.p, rec->title.n) == rec->title.n);
    for (size_t i = 0; i < rec->n_extra; i++) {
        fuzz_touch(rec->extra[i].name);
        fuzz_touch(rec->extra[i].value);
    }
}

static void read_all(const char *path, const uint8_t *opt)
{
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    dp_reader *r;
    const dp_record *rec;
    dp_reader_stats st;
    issue_ctx ic = {0, opt[1] & 8 ? 3 : 0};
    size_t records = 0;
    int rc;

    o.format = (dp_format)(opt[0] % 5);
    o.utf8 = opt[1] & 1 ? DP_UTF8_REJECT : DP_UTF8_REPAIR;
    o.require_date = !(opt[1] & 2);
    o.on_issue = count_issue;
    o.ctx = &ic;
    if (dp_reader_open(&r, &path, 1, &o) != DP_OK)
        return;
    while ((rc = dp_reader_next(r, &rec)) == DP_OK) {
        check_record(rec);
        if (o.require_date)
            FUZZ_CHECK(rec->date.prec >= DP_PREC_YEAR);
        records++;
    }
    FUZZ_CHECK(rc == DP_ENOTFOUND || rc == DP_ENOMEM ||
               (rc == STOP_CODE && ic.stop_at > 0));
    dp_reader_stats_get(r, &st);
    FUZZ_CHECK(st.records == records);
    FUZZ_CHECK(st.rejected + st.warnings == ic.count);
    dp_reader_close(r);
}

/* gzip data into a new malloc'd buffer (NULL on failure). */
static unsigned char *gzip(const uint8_t *data, size_t size, size_t *out_n)
{
    z_stream z;
    unsigned char *out = NULL;

    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)size) + 64;
    out = malloc(cap);
    if (out != NULL) {
        z.next_in = (unsigned char *)(uintptr_t)data;
        z.avail_in = (uInt)size;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            *out_n = cap - z.avail_out;
        } else {
            free(out);
            out = NULL;
        }
    }
    deflateEnd(&z);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    dp_date d;
    int fd;
    unsigned char *z = NULL;

    if (size < 2)
        return 0;
    dp_date_parse((const char *)data + 2, size - 2 < 200 ? size - 2 : 200, &d, NULL);
    fd = memfd_create("fuzz_reader", 0);
    if (fd < 0)
        return 0;
    const void *body = data + 2;
    size_t body_n = size - 2;
    if ((data[1] & 4) && (z = gzip(data + 2, size - 2, &body_n)) != NULL)
        body = z;
    else
        body_n = size - 2;
    if (write(fd, body, body_n) == (ssize_t)body_n) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        read_all(path, data);
    }
    close(fd);
    free(z);
    return 0;
}
