/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver for the virtio-gpu device in 3D (virgl) mode, as the
 * virtio-gpu-gl-device (virtio-mmio) and virtio-gpu-gl-pci nodes.  Both
 * produce the "virtio-gpu-gl" interface, which gives a test the device,
 * its control and cursor queues once initialised, and a synchronous
 * "send a request, wait for the device to give the buffers back" helper
 * that reports the response header and the number of bytes written.
 */

#ifndef TESTS_LIBQOS_VIRTIO_GPU_GL_H
#define TESTS_LIBQOS_VIRTIO_GPU_GL_H

#include "qgraph.h"
#include "virtio.h"
#include "virtio-pci.h"
#include "standard-headers/linux/virtio_gpu.h"

/* How long one request may take before the test gives up on the device */
#define QVIRTIO_GPU_GL_TIMEOUT_US   (10 * G_USEC_PER_SEC)

#define QVIRTIO_GPU_GL_CTRLQ        0
#define QVIRTIO_GPU_GL_CURSORQ      1

typedef struct QVirtioGpuGl QVirtioGpuGl;
typedef struct QVirtioGpuGlPCI QVirtioGpuGlPCI;
typedef struct QVirtioGpuGlDevice QVirtioGpuGlDevice;
typedef struct QVirtioGpuGlResp QVirtioGpuGlResp;

struct QVirtioGpuGl {
    QVirtioDevice *vdev;
    QTestState *qts;
    /* The fields below are valid between init and cleanup only */
    QGuestAllocator *alloc;
    QVirtQueue *ctrlq;
    QVirtQueue *cursorq;
    uint64_t features;          /* as negotiated */
    uint32_t num_scanouts;      /* from the device configuration */
    uint32_t num_capsets;
    /* The transport's way to the host-visible region, NULL if it has none */
    bool (*map_hostmem)(QVirtioGpuGl *gpu, uint64_t *addr);
};

struct QVirtioGpuGlPCI {
    QVirtioPCIDevice pci_vdev;
    QVirtioGpuGl gpu;
};

struct QVirtioGpuGlDevice {
    QOSGraphObject obj;
    QVirtioGpuGl gpu;
};

/* What came back for one request, in host byte order */
struct QVirtioGpuGlResp {
    uint32_t type;              /* 0 when the device wrote no header */
    uint32_t flags;
    uint64_t fence_id;
    uint32_t ctx_id;
    uint32_t written;           /* length the device put in the used ring */
};

/*
 * Negotiate VIRGL and EDID (failing the test if the device lacks them)
 * plus whichever of RESOURCE_UUID, RESOURCE_BLOB and CONTEXT_INIT it
 * offers, set up both queues and set DRIVER_OK.
 */
void qvirtio_gpu_gl_init(QVirtioGpuGl *gpu, QGuestAllocator *alloc);
void qvirtio_gpu_gl_cleanup(QVirtioGpuGl *gpu);

/*
 * Put @req in a device-readable guest buffer and, when @resp_len is
 * non-zero, a zeroed device-writable buffer of @resp_len bytes after it;
 * kick @vq and wait until the device returns the chain.  The response
 * buffer is copied to @resp.  Returns the used length; fails the test if
 * nothing comes back within QVIRTIO_GPU_GL_TIMEOUT_US.
 */
uint32_t qvirtio_gpu_gl_transact(QVirtioGpuGl *gpu, QVirtQueue *vq,
                                 const void *req, size_t req_len,
                                 void *resp, size_t resp_len);

/* Control queue request; @resp must hold at least a virtio_gpu_ctrl_hdr */
QVirtioGpuGlResp qvirtio_gpu_gl_command(QVirtioGpuGl *gpu,
                                        const void *req, size_t req_len,
                                        void *resp, size_t resp_len);

/*
 * Give the device's host-visible region (hostmem) a guest physical
 * address and return it in @addr; false when the transport has no such
 * region the test can reach (virtio-mmio, or hostmem is off).
 */
bool qvirtio_gpu_gl_map_hostmem(QVirtioGpuGl *gpu, uint64_t *addr);

#endif
