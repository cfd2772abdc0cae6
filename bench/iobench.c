/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * iobench: a minimal block device benchmark for the sraid test guest.
 *
 * The guest is a kernel plus busybox, with no fio and no libc to link
 * against at run time, so this is one static program.  It measures one
 * test per run on one block device opened with O_DIRECT (the guest's page
 * cache must not answer reads or absorb writes: what is measured is the
 * emulated disk):
 *
 *   seqread, seqwrite   requests of -b bytes at increasing offsets,
 *                       wrapping around the region
 *   randread, randwrite requests of -b bytes at random offsets aligned
 *                       to -b inside the region
 *
 * -j threads issue requests concurrently, each one at a time, so the
 * device sees a queue depth of -j.  A run stops after -T seconds or after
 * -n bytes, whichever comes first.  The result is one line for the host
 * script to parse:
 *
 *   iobench label=L dev=D test=T bs=B threads=J secs=S bytes=N mbps=M iops=I
 *           hugebuf_kb=K
 *
 * where mbps counts 10^6 bytes per second and hugebuf_kb is how much of
 * the I/O buffers the kernel put in huge pages (see iob_buffers).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* O_DIRECT: sizes and offsets in whole pages, a multiple of any block size */
#define IOB_ALIGN 4096
#define IOB_HUGE  (2u << 20)

typedef struct IobConfig {
    const char *dev;
    const char *label;
    const char *test;
    bool write;
    bool random;
    uint64_t bs;
    uint64_t region;
    uint64_t max_bytes;
    double secs;
    unsigned threads;
    int fd;
} IobConfig;

typedef struct IobThread {
    pthread_t tid;
    const IobConfig *cfg;
    void *buf;
    uint64_t rng;
    uint64_t done;
    int err;
} IobThread;

/* next request index of the shared sequential stream / of the byte budget */
static atomic_uint_fast64_t iob_next;
static double iob_deadline;

static double iob_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: cheap, and good enough to spread offsets */
static uint64_t iob_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * The I/O buffers, in transparent huge pages where the kernel gives them.
 * A request's pages become its scatter-gather list: scattered 4 KiB pages
 * make a 1 MiB request 256 segments, more than virtio-scsi's 254, and the
 * guest splits it in two, or not, depending on where the pages happened
 * to land in that boot.  Physically contiguous memory makes the request
 * reaching the disk the same every time.  Returns the buffer of each of
 * @n threads, @len bytes each, 2 MiB aligned; NULL on failure.
 */
static uint8_t *iob_buffers(unsigned n, uint64_t len, uint64_t *stride)
{
    uint8_t *map;
    uintptr_t a;

    *stride = (len + IOB_HUGE - 1) / IOB_HUGE * IOB_HUGE;
    /* one huge page more than needed, to align inside the mapping */
    map = mmap(NULL, *stride * n + IOB_HUGE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        return NULL;
    }
    a = ((uintptr_t)map + IOB_HUGE - 1) & ~(uintptr_t)(IOB_HUGE - 1);
    /* a hint: without THP the buffers are ordinary pages, which works */
    madvise((void *)a, *stride * n, MADV_HUGEPAGE);
    return (uint8_t *)a;
}

/* KiB of this process's memory in transparent huge pages; 0 if unknown */
static unsigned long iob_huge_kb(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[128];
    unsigned long kb = 0;

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

static void *iob_worker(void *opaque)
{
    IobThread *t = opaque;
    const IobConfig *c = t->cfg;
    uint64_t nreq = c->region / c->bs;
    uint64_t budget = c->max_bytes ? c->max_bytes / c->bs : UINT64_MAX;
    void *buf = t->buf;

    while (iob_now() < iob_deadline) {
        uint64_t n = atomic_fetch_add(&iob_next, 1);
        uint64_t idx;
        ssize_t r;

        if (n >= budget) {
            break;
        }
        idx = c->random ? iob_rand(&t->rng) % nreq : n % nreq;
        if (c->write) {
            /* a fresh stamp per request: every write changes the data */
            ((uint64_t *)buf)[0] = n;
            r = pwrite(c->fd, buf, c->bs, idx * c->bs);
        } else {
            r = pread(c->fd, buf, c->bs, idx * c->bs);
        }
        if (r != (ssize_t)c->bs) {
            t->err = r < 0 ? errno : EIO;
            break;
        }
        t->done += c->bs;
    }
    return NULL;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: iobench -d DEV -t seqread|seqwrite|randread|randwrite\n"
            "               [-b BYTES] [-j THREADS] [-T SECONDS] [-n BYTES]\n"
            "               [-s REGION_BYTES] [-l LABEL]\n");
    exit(2);
}

static uint64_t parse_size(const char *s)
{
    uint64_t v;
    char unit = '\0', extra;
    int n = sscanf(s, "%" SCNu64 "%c%c", &v, &unit, &extra);

    if (n < 1 || n > 2) {
        fprintf(stderr, "iobench: bad size '%s'\n", s);
        exit(2);
    }
    switch (unit) {
    case 'k': case 'K':
        v <<= 10;
        break;
    case 'm': case 'M':
        v <<= 20;
        break;
    case 'g': case 'G':
        v <<= 30;
        break;
    case '\0':
        break;
    default:
        fprintf(stderr, "iobench: bad size '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    IobConfig c = {
        .label = "-", .bs = 1 << 20, .secs = 5, .threads = 1,
    };
    IobThread *t;
    uint64_t size, stride, total = 0;
    unsigned long huge_kb;
    uint8_t *bufs;
    struct stat st;
    double start, secs;
    const char *base;
    int opt, err = 0;

    while ((opt = getopt(argc, argv, "d:t:b:j:T:n:s:l:")) != -1) {
        switch (opt) {
        case 'd':
            c.dev = optarg;
            break;
        case 't':
            c.test = optarg;
            break;
        case 'b':
            c.bs = parse_size(optarg);
            break;
        case 'j':
            c.threads = atoi(optarg);
            break;
        case 'T':
            c.secs = atof(optarg);
            break;
        case 'n':
            c.max_bytes = parse_size(optarg);
            break;
        case 's':
            c.region = parse_size(optarg);
            break;
        case 'l':
            c.label = optarg;
            break;
        default:
            usage();
        }
    }
    if (!c.dev || !c.test || !c.bs || c.bs % IOB_ALIGN || !c.threads ||
        c.secs <= 0) {
        usage();
    }
    if (!strcmp(c.test, "seqread")) {
        c.write = false, c.random = false;
    } else if (!strcmp(c.test, "seqwrite")) {
        c.write = true, c.random = false;
    } else if (!strcmp(c.test, "randread")) {
        c.write = false, c.random = true;
    } else if (!strcmp(c.test, "randwrite")) {
        c.write = true, c.random = true;
    } else {
        usage();
    }

    c.fd = open(c.dev, (c.write ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (c.fd < 0 || fstat(c.fd, &st) < 0) {
        fprintf(stderr, "iobench: %s: %s\n", c.dev, strerror(errno));
        return 1;
    }
    /* a regular file too, to try the program out on the host */
    size = st.st_size;
    if (S_ISBLK(st.st_mode) && ioctl(c.fd, BLKGETSIZE64, &size) < 0) {
        fprintf(stderr, "iobench: %s: %s\n", c.dev, strerror(errno));
        return 1;
    }
    if (!c.region || c.region > size) {
        c.region = size;
    }
    if (c.region < c.bs) {
        fprintf(stderr, "iobench: %s: region of %" PRIu64 " bytes is"
                " smaller than one request\n", c.dev, c.region);
        return 1;
    }

    t = calloc(c.threads, sizeof(*t));
    bufs = iob_buffers(c.threads, c.bs, &stride);
    if (!t || !bufs) {
        fprintf(stderr, "iobench: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < c.threads; i++) {
        t[i].cfg = &c;
        t[i].buf = bufs + i * stride;
        /* distinct, non-zero seeds; the same on every run for repeatability */
        t[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
        /*
         * Data that is neither zero nor repetitive, so that no layer below
         * (zero detection, compression, deduplication) shortcuts writes.
         */
        for (uint64_t j = 0; j < c.bs / sizeof(uint64_t); j++) {
            ((uint64_t *)t[i].buf)[j] = iob_rand(&t[i].rng);
        }
    }
    huge_kb = iob_huge_kb();

    start = iob_now();
    iob_deadline = start + c.secs;
    for (unsigned i = 0; i < c.threads; i++) {
        if (pthread_create(&t[i].tid, NULL, iob_worker, &t[i])) {
            fprintf(stderr, "iobench: cannot start thread %u\n", i);
            return 1;
        }
    }
    for (unsigned i = 0; i < c.threads; i++) {
        pthread_join(t[i].tid, NULL);
        total += t[i].done;
        if (t[i].err && !err) {
            err = t[i].err;
        }
    }
    secs = iob_now() - start;
    close(c.fd);

    base = strrchr(c.dev, '/');
    base = base ? base + 1 : c.dev;
    if (err) {
        printf("iobench label=%s dev=%s test=%s error=%s\n", c.label, base,
               c.test, strerror(err));
        return 1;
    }
    printf("iobench label=%s dev=%s test=%s bs=%" PRIu64 " threads=%u"
           " secs=%.2f bytes=%" PRIu64 " mbps=%.2f iops=%.1f hugebuf_kb=%lu\n",
           c.label, base, c.test, c.bs, c.threads, secs, total,
           total / secs / 1e6, total / c.bs / secs, huge_kb);
    return 0;
}
