/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Store-buffering litmus test: the handshake between Mesa's Venus driver
 * and the render server's ring thread, run on two threads.
 *
 * Each thread stores 1 to its own flag and then loads the other's.  If
 * each store is ordered before its thread's load, at least one thread
 * sees the other's 1; "both saw 0" means a store and the load after it
 * were reordered, which is how a Venus ring's wake-up gets lost (see
 * hw/display/vgpu-venus-ring.c).  The driver stores the tail with release
 * order and loads the status with seq_cst order: build with
 * -DSTORE_ORDER=memory_order_release for that pattern, and with
 * memory_order_seq_cst for the one C11 promises to keep in order.
 *
 * Build and run natively, or for aarch64 under qemu-aarch64 (the same
 * TCG code generator that runs an aarch64 guest):
 *
 *   gcc -O2 -pthread -DSTORE_ORDER=memory_order_release \
 *       tests/litmus/store-buffering.c -o sb && ./sb
 *   aarch64-linux-gnu-gcc -O2 -static -pthread -DSTORE_ORDER=... \
 *       tests/litmus/store-buffering.c -o sb-a64 && qemu-aarch64 ./sb-a64
 *
 * It prints how many of its rounds saw both zeros; exits 1 if any did.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef STORE_ORDER
#define STORE_ORDER memory_order_seq_cst
#endif
#define STR(x)  #x
#define NAME(x) STR(x)

#define ROUNDS  2000000

/* A fresh pair of flags per round, so no round needs a reset */
static _Atomic unsigned char flag[2][ROUNDS];
static unsigned char seen[2][ROUNDS];
/* How far each thread has got: neither runs ahead of the other */
static _Atomic long reached[2];

static void *side(void *arg)
{
    long me = (long)arg, other = 1 - me, i;

    for (i = 0; i < ROUNDS; i++) {
        atomic_store_explicit(&reached[me], i, memory_order_release);
        while (atomic_load_explicit(&reached[other],
                                    memory_order_acquire) < i) {
            /* spin: both threads enter round i together */
        }
        atomic_store_explicit(&flag[me][i], 1, STORE_ORDER);
        seen[me][i] = atomic_load_explicit(&flag[other][i],
                                           memory_order_seq_cst);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    long i, both = 0;

    for (i = 0; i < 2; i++) {
        pthread_create(&t[i], NULL, side, (void *)i);
    }
    for (i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    for (i = 0; i < ROUNDS; i++) {
        both += !seen[0][i] && !seen[1][i];
    }
    printf("store %s, load seq_cst: %ld of %d rounds saw both zeros\n",
           NAME(STORE_ORDER), both, ROUNDS);
    return both ? 1 : 0;
}
