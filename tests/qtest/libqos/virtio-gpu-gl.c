/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver for the virtio-gpu device in 3D (virgl) mode.  It
 * registers virtio-gpu-gl-device on virtio-bus (the virtio-mmio transport
 * of arm/virt and aarch64/virt) and virtio-gpu-gl-pci on pci-bus, both
 * producing "virtio-gpu-gl".  The device needs a display with OpenGL, so
 * the edges add "-display $VGPU_QTEST_DISPLAY" (default "none") to the
 * command line; QEMU_MODULE_DIR decides which device module gets loaded.
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/module.h"
#include "qemu/bswap.h"
#include "standard-headers/linux/virtio_ids.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/pci_regs.h"
#include "standard-headers/linux/virtio_pci.h"
#include "qgraph.h"
#include "qgraph_internal.h"   /* qos_graph_has_edge() */
#include "pci.h"
#include "virtio-mmio.h"
#include "virtio-gpu-gl.h"

#define PCI_SLOT                0x04
#define PCI_FN                  0x00

/* The tests exercise 3D commands and GET_EDID, so these are a must */
#define REQUIRED_FEATURES       ((1ull << VIRTIO_GPU_F_VIRGL) | \
                                 (1ull << VIRTIO_GPU_F_EDID))

/*
 * Taken when offered, so the device runs in the mode a current Linux
 * guest puts it in.  VERSION_1 is needed by modern-only transports.
 */
#define OPTIONAL_FEATURES       ((1ull << VIRTIO_GPU_F_RESOURCE_UUID) | \
                                 (1ull << VIRTIO_GPU_F_RESOURCE_BLOB) | \
                                 (1ull << VIRTIO_GPU_F_CONTEXT_INIT) | \
                                 (1ull << VIRTIO_F_VERSION_1))

/*
 * Fenced 3D commands complete from a timer on the virtual clock, which
 * under qtest only moves when the test moves it; 1 ms per poll lets such
 * a timer fire within a few round trips.
 */
#define CLOCK_STEP_NS           (1000 * 1000)

static uint32_t read_config(QVirtioGpuGl *gpu, size_t offset)
{
    return qvirtio_config_readl(gpu->vdev, offset);
}

void qvirtio_gpu_gl_init(QVirtioGpuGl *gpu, QGuestAllocator *alloc)
{
    uint64_t offered = qvirtio_get_features(gpu->vdev);

    g_assert_cmphex(offered & REQUIRED_FEATURES, ==, REQUIRED_FEATURES);
    gpu->features = offered & (REQUIRED_FEATURES | OPTIONAL_FEATURES);
    qvirtio_set_features(gpu->vdev, gpu->features);

    gpu->num_scanouts = read_config(gpu, offsetof(struct virtio_gpu_config,
                                                  num_scanouts));
    gpu->num_capsets = read_config(gpu, offsetof(struct virtio_gpu_config,
                                                 num_capsets));

    gpu->alloc = alloc;
    gpu->ctrlq = qvirtqueue_setup(gpu->vdev, alloc, QVIRTIO_GPU_GL_CTRLQ);
    gpu->cursorq = qvirtqueue_setup(gpu->vdev, alloc, QVIRTIO_GPU_GL_CURSORQ);
    qvirtio_set_driver_ok(gpu->vdev);
}

void qvirtio_gpu_gl_cleanup(QVirtioGpuGl *gpu)
{
    /* Stop the device before its rings go back to the allocator */
    qvirtio_reset(gpu->vdev);
    qvirtqueue_cleanup(gpu->vdev->bus, gpu->cursorq, gpu->alloc);
    qvirtqueue_cleanup(gpu->vdev->bus, gpu->ctrlq, gpu->alloc);
    gpu->cursorq = NULL;
    gpu->ctrlq = NULL;
    gpu->alloc = NULL;
}

/* Wait for the chain starting at @head to show up in the used ring */
static uint32_t wait_used(QVirtioGpuGl *gpu, QVirtQueue *vq, uint32_t head)
{
    gint64 start = g_get_monotonic_time();
    uint32_t desc_idx;
    uint32_t len;

    while (!qvirtqueue_get_buf(gpu->qts, vq, &desc_idx, &len)) {
        gint64 us_waited_for_response = g_get_monotonic_time() - start;

        g_assert_cmpint(us_waited_for_response, <=,
                        QVIRTIO_GPU_GL_TIMEOUT_US);
        qtest_clock_step(gpu->qts, CLOCK_STEP_NS);
    }
    g_assert_cmpuint(desc_idx, ==, head);
    return len;
}

uint32_t qvirtio_gpu_gl_transact(QVirtioGpuGl *gpu, QVirtQueue *vq,
                                 const void *req, size_t req_len,
                                 void *resp, size_t resp_len)
{
    QTestState *qts = gpu->qts;
    uint64_t req_addr = guest_alloc(gpu->alloc, req_len);
    uint64_t resp_addr = 0;
    uint32_t head;
    uint32_t used_len;

    qtest_memwrite(qts, req_addr, req, req_len);
    head = qvirtqueue_add(qts, vq, req_addr, req_len, false, resp_len != 0);
    if (resp_len) {
        /* Zeroed, so a header the device never wrote reads as type 0 */
        resp_addr = guest_alloc(gpu->alloc, resp_len);
        qtest_memset(qts, resp_addr, 0, resp_len);
        qvirtqueue_add(qts, vq, resp_addr, resp_len, true, false);
    }
    qvirtqueue_kick(qts, gpu->vdev, vq, head);

    used_len = wait_used(gpu, vq, head);

    if (resp_len) {
        qtest_memread(qts, resp_addr, resp, resp_len);
        guest_free(gpu->alloc, resp_addr);
    }
    guest_free(gpu->alloc, req_addr);

    /* Requests are strictly one at a time, so every descriptor is free */
    qvirtqueue_reset_pool(vq);
    return used_len;
}

QVirtioGpuGlResp qvirtio_gpu_gl_command(QVirtioGpuGl *gpu,
                                        const void *req, size_t req_len,
                                        void *resp, size_t resp_len)
{
    struct virtio_gpu_ctrl_hdr hdr;
    QVirtioGpuGlResp r;

    g_assert_cmpuint(resp_len, >=, sizeof(hdr));
    r.written = qvirtio_gpu_gl_transact(gpu, gpu->ctrlq, req, req_len,
                                        resp, resp_len);

    memcpy(&hdr, resp, sizeof(hdr));
    r.type = le32_to_cpu(hdr.type);
    r.flags = le32_to_cpu(hdr.flags);
    r.fence_id = le64_to_cpu(hdr.fence_id);
    r.ctx_id = le32_to_cpu(hdr.ctx_id);
    return r;
}

static void *virtio_gpu_gl_get_driver(QVirtioGpuGl *gpu,
                                      const char *interface)
{
    if (!g_strcmp0(interface, "virtio-gpu-gl") ||
        !g_strcmp0(interface, "virtio-gpu-gl-hostile")) {
        return gpu;
    }

    fprintf(stderr, "%s not present in virtio-gpu-gl\n", interface);
    g_assert_not_reached();
}

/* virtio-gpu-gl-device */
static void *virtio_gpu_gl_device_get_driver(void *object,
                                             const char *interface)
{
    QVirtioGpuGlDevice *dev = object;

    return virtio_gpu_gl_get_driver(&dev->gpu, interface);
}

static void *virtio_gpu_gl_device_create(void *virtio_dev,
                                         QGuestAllocator *t_alloc,
                                         void *addr)
{
    QVirtioGpuGlDevice *dev = g_new0(QVirtioGpuGlDevice, 1);
    QVirtioDevice *vdev = virtio_dev;

    /* virtio-mmio is the only transport that produces virtio-bus */
    g_assert(vdev->bus == &qvirtio_mmio);
    g_assert_cmphex(vdev->device_type, ==, VIRTIO_ID_GPU);

    dev->gpu.vdev = vdev;
    dev->gpu.qts = container_of(vdev, QVirtioMMIODevice, vdev)->qts;
    dev->obj.get_driver = virtio_gpu_gl_device_get_driver;
    dev->obj.free = g_free;
    return &dev->obj;
}

bool qvirtio_gpu_gl_map_hostmem(QVirtioGpuGl *gpu, uint64_t *addr)
{
    return gpu->map_hostmem && gpu->map_hostmem(gpu, addr);
}

/*
 * virtio-gpu-gl-pci: the BAR that the virtio shared memory capability
 * for the host-visible region names, or -1 when there is none.
 */
static int virtio_gpu_gl_pci_hostmem_bar(QPCIDevice *pdev)
{
    uint8_t cap = 0;

    while ((cap = qpci_find_capability(pdev, PCI_CAP_ID_VNDR, cap))) {
        uint8_t type = qpci_config_readb(pdev, cap +
                           offsetof(struct virtio_pci_cap, cfg_type));
        uint8_t id = qpci_config_readb(pdev, cap +
                           offsetof(struct virtio_pci_cap, id));

        if (type == VIRTIO_PCI_CAP_SHARED_MEMORY_CFG &&
            id == VIRTIO_GPU_SHM_ID_HOST_VISIBLE) {
            return qpci_config_readb(pdev, cap +
                       offsetof(struct virtio_pci_cap, bar));
        }
    }
    return -1;
}

static bool virtio_gpu_gl_pci_map_hostmem(QVirtioGpuGl *gpu, uint64_t *addr)
{
    QVirtioGpuGlPCI *dev = container_of(gpu, QVirtioGpuGlPCI, gpu);
    int bar = virtio_gpu_gl_pci_hostmem_bar(dev->pci_vdev.pdev);

    if (bar < 0) {
        return false;
    }
    *addr = qpci_iomap(dev->pci_vdev.pdev, bar, NULL).addr;
    return true;
}

/* virtio-gpu-gl-pci */
static void *virtio_gpu_gl_pci_get_driver(void *object, const char *interface)
{
    QVirtioGpuGlPCI *dev = object;

    return virtio_gpu_gl_get_driver(&dev->gpu, interface);
}

static void *virtio_gpu_gl_pci_create(void *pci_bus, QGuestAllocator *t_alloc,
                                      void *addr)
{
    QVirtioGpuGlPCI *dev = g_new0(QVirtioGpuGlPCI, 1);
    QOSGraphObject *obj = &dev->pci_vdev.obj;

    virtio_pci_init(&dev->pci_vdev, pci_bus, addr);
    dev->gpu.vdev = &dev->pci_vdev.vdev;
    dev->gpu.qts = ((QPCIBus *)pci_bus)->qts;
    g_assert_cmphex(dev->gpu.vdev->device_type, ==, VIRTIO_ID_GPU);

    dev->gpu.map_hostmem = virtio_gpu_gl_pci_map_hostmem;
    obj->get_driver = virtio_gpu_gl_pci_get_driver;
    /* obj is the first member, so this frees the whole node */
    obj->free = g_free;
    return obj;
}

static void virtio_gpu_gl_register_nodes(void)
{
    const char *display = getenv("VGPU_QTEST_DISPLAY");
    g_autofree char *display_arg = NULL;
    g_autofree char *pci_display_arg = NULL;
    QPCIAddress addr = {
        .devfn = QPCI_DEVFN(PCI_SLOT, PCI_FN),
    };
    QOSGraphEdgeOptions opts = { };

    /* The display is a property of the run, not of the device model */
    display_arg = g_strdup_printf("-display %s", display ? display : "none");
    opts.after_cmd_line = display_arg;

    qos_node_create_driver("virtio-gpu-gl-device",
                           virtio_gpu_gl_device_create);
    qos_node_consumes("virtio-gpu-gl-device", "virtio-bus", &opts);
    qos_node_produces("virtio-gpu-gl-device", "virtio-gpu-gl");
    qos_node_produces("virtio-gpu-gl-device", "virtio-gpu-gl-hostile");

    /*
     * pc adds a standard VGA, which becomes the first console; with it an
     * SDL GL display fails to give virgl a context ("Unable to create
     * OpenGL context >= 3.0") and the device never answers.  A virgl
     * guest needs no other display adapter, so leave it out.
     */
    pci_display_arg = g_strdup_printf("%s -vga none", display_arg);
    opts.after_cmd_line = pci_display_arg;
    opts.extra_device_opts = "addr=04.0";
    add_qpci_address(&opts, &addr);
    qos_node_create_driver("virtio-gpu-gl-pci", virtio_gpu_gl_pci_create);
    qos_node_consumes("virtio-gpu-gl-pci", "pci-bus", &opts);
    qos_node_produces("virtio-gpu-gl-pci", "virtio-gpu-gl");
    qos_node_produces("virtio-gpu-gl-pci", "virtio-gpu-gl-hostile");

    /*
     * aarch64/virt has the same virtio-mmio transports as arm/virt, but
     * the machine node only exposes them for the 32-bit binary.  Add the
     * edge so the mmio variant is reachable with qemu-system-aarch64 too.
     */
    if (!qos_graph_has_edge("aarch64/virt", "virtio-mmio")) {
        qos_node_contains("aarch64/virt", "virtio-mmio", NULL);
    }
}

libqos_init(virtio_gpu_gl_register_nodes);
