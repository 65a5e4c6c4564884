/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command fuzzer's view of its stand-in QEMU host (qemu-stand-in.c):
 * guest RAM, the two virtqueues, display surfaces and held regions.
 */

#ifndef TESTS_FUZZ_VGPU_FUZZ_H
#define TESTS_FUZZ_VGPU_FUZZ_H

#include "hw/display/vgpu.h"

/* Guest RAM, and where the host-visible region (the BAR) sits */
#define FUZZ_RAM_BASE       0x40000000ull
#define FUZZ_RAM_SIZE       (256 * KiB)
#define FUZZ_HOSTMEM_BASE   0x80000000ull
#define FUZZ_HOSTMEM_SIZE   (1 * MiB)
/* A ROM window: RAM that the device must not write */
#define FUZZ_ROM_BASE       0x00000000ull
#define FUZZ_ROM_SIZE       (64 * KiB)

extern uint8_t *fuzz_ram;

/* The device under test, and the queues its render thread would pop */
VGpuDevice *fuzz_device_new(bool blob, bool context_init);
void fuzz_device_free(VGpuDevice *g);
void fuzz_queue_add(VirtQueue *vq, VirtQueueElement *elem);
unsigned int fuzz_queue_length(VirtQueue *vq);
void fuzz_queues_drop(VGpuDevice *g);

/* What the consoles show: every byte of every update is read */
void fuzz_run_bottom_halves(void);
extern bool fuzz_console_has_gl;

/* A blob region some other device still holds, as DMA would */
bool fuzz_hold_region(VGpuDevice *g, uint32_t pick);
void fuzz_release_region(uint32_t pick);
void fuzz_release_all_regions(void);

/* address_space_map() calls not yet unmapped: 0 once all is gone */
extern long fuzz_mapped_count;

/* The response types the device wrote, in order (vgpu-fuzz-seeds.c) */
#define FUZZ_MAX_ANSWERS    64
extern uint32_t fuzz_answers[FUZZ_MAX_ANSWERS];
extern unsigned int fuzz_num_answers;

/* The operations of an input, and how fields are picked (vgpu-fuzz.c) */
enum {
    OP_COMMAND,
    OP_RAW,
    OP_CURSOR,
    OP_RESET,
    OP_HOLD_REGION,
    OP_RELEASE_REGION,
    OP_WRITE_RAM,
    OP_REFRESH,
    OP_COUNT
};
#define PICK_RAW            0xff    /* a pick32/pick64 selector: raw bytes */
#define ADDR_IN_RAM         5       /* a pick_addr kind: RAM page N */
#define CONF_BLOB           1       /* the configuration byte */
#define CONF_CONTEXT_INIT   2
#define CONF_GL_DISPLAY     4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int fuzz_shape_index(uint32_t type, uint32_t *words);
int fuzz_check_seeds(const char *dir);

#endif
