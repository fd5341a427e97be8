/* What one uncontended atomic read-modify-write costs this machine's core, against a plain increment.
 *
 * Each loop runs a dependent chain on a line no other thread touches: a sequentially consistent fetch-add
 * (x86-64: `lock xadd`; arm64: an LSE `ldaddal` or an exclusive load/store loop), then the same count of
 * increments of a volatile (a load and a store).  Prints, as JSON, the median over ROUNDS of each loop's
 * nanoseconds per operation.  Usage: atomic_cost [operations per round]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 11

static _Atomic long shared_count;
static volatile long plain_count;

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    if (n < 1) {
        fprintf(stderr, "operations per round must be at least 1, not %s\n", argv[1]);
        return 2;
    }
    double atomic_ns[ROUNDS], plain_ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double start = now_ns();
        for (long i = 0; i < n; i++) {
            atomic_fetch_add(&shared_count, 1);
        }
        double middle = now_ns();
        for (long i = 0; i < n; i++) {
            plain_count++;
        }
        double end = now_ns();
        atomic_ns[r] = (middle - start) / (double)n;
        plain_ns[r] = (end - middle) / (double)n;
    }
    if (atomic_load(&shared_count) != n * ROUNDS || plain_count != n * ROUNDS) {
        fprintf(stderr, "lost increments\n");
        return 1;
    }
    qsort(atomic_ns, ROUNDS, sizeof(double), by_value);
    qsort(plain_ns, ROUNDS, sizeof(double), by_value);
    printf("{\"atomic_ns\": %.4f, \"plain_ns\": %.4f, \"operations\": %ld, \"rounds\": %d}\n",
           atomic_ns[ROUNDS / 2], plain_ns[ROUNDS / 2], n, ROUNDS);
    return 0;
}
