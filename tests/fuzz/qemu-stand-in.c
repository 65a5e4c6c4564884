/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A STAND-IN for the parts of QEMU that the device's command handlers
 * call, for the command fuzzer only (vgpu-fuzz.c).
 *
 * QEMU's memory API, virtqueues, QOM reference counts, consoles and
 * bottom halves are modelled just far enough to run the device's own
 * decoder and handlers in one process, many thousand times a second:
 * guest RAM is a buffer, a ROM window is read-only RAM, the host-visible
 * region holds the blob subregions MAP_BLOB adds, and a region lives
 * until its last reference goes, as in QEMU.  Consoles read every pixel
 * the device hands them, so a frame freed too early or sized wrong shows
 * up under AddressSanitizer.  Nothing outside tests/fuzz uses it; the
 * real device runs in QEMU (the qtest suite, the functional tests and
 * tests/fuzz/qtest-fuzz.py).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/iov.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/qdev-properties.h"
#include "hw/display/edid.h"
#include "migration/blocker.h"
#include "qapi/qapi-commands-ui.h"
#include "ui/console.h"
#include "vgpu-fuzz.h"

#define FUZZ_MAX_CONSOLES   VIRTIO_GPU_MAX_SCANOUTS
#define FUZZ_MAX_HELD       8

bool tcg_allowed = true;
bool qtest_allowed;
const PropertyInfo qdev_prop_bool, qdev_prop_uint32, qdev_prop_size;

uint8_t *fuzz_ram;
static uint8_t fuzz_rom[FUZZ_ROM_SIZE];
long fuzz_mapped_count;
bool fuzz_console_has_gl;

static AddressSpace fuzz_as;
static MemoryRegion ram_mr = { .ram = true, .name = "fuzz-ram" };
static MemoryRegion rom_mr = { .ram = true, .readonly = true,
                               .name = "fuzz-rom" };
static MemoryRegion unassigned_mr = { .name = "fuzz-unassigned" };
static VGpuDevice *device;

/* ---- QOM reference counts, as far as memory regions use them ---- */

Object *object_ref(void *obj)
{
    ((Object *)obj)->ref++;
    return obj;
}

/*
 * Set while a region is let go as another device's iothread would, off
 * the BQL: finalizing a region there commits a memory transaction, which
 * QEMU asserts needs the BQL.
 */
static bool releasing_off_bql;

void object_unref(void *obj)
{
    Object *o = obj;

    g_assert(o->ref > 0);
    if (--o->ref == 0) {
        g_assert(!releasing_off_bql);
        if (o->free) {
            o->free(o);
        }
    }
}

void object_unparent(Object *obj)
{
    if (obj->parent) {
        obj->parent = NULL;
        object_unref(obj);
    }
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (!strcmp(typename, TYPE_VGPU_GL)) {
        return obj && obj == OBJECT(device) ? obj : NULL;
    }
    return obj;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func)
{
    return obj;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    return klass;
}

/* ---- memory API ---- */

static void region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    OBJECT(mr)->ref = 1;
    OBJECT(mr)->parent = owner;
    mr->owner = owner;
    mr->name = name;
    mr->size = int128_make64(size);
    QTAILQ_INIT(&mr->subregions);
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    region_init(mr, owner, name, size);
}

void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner,
                                const char *name, uint64_t size, void *ptr)
{
    region_init(mr, owner, name, size);
    mr->ram = true;
    mr->opaque = ptr;
}

/* The host-visible window: anonymous memory, as QEMU's own RAM is */
bool memory_region_init_ram_flags_nomigrate(MemoryRegion *mr, Object *owner,
                                            const char *name, uint64_t size,
                                            uint32_t ram_flags, Error **errp)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    g_assert(p != MAP_FAILED);
    memory_region_init_ram_ptr(mr, owner, name, size, p);
    return true;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    g_assert(mr->ram && mr->opaque);
    return mr->opaque;
}

bool memory_region_is_ram_device(MemoryRegion *mr)
{
    return mr->ram_device;
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    g_assert(!subregion->container);
    g_assert(offset + int128_get64(subregion->size) <=
             int128_get64(mr->size));
    subregion->container = mr;
    subregion->addr = offset;
    QTAILQ_INSERT_TAIL(&mr->subregions, subregion, subregions_link);
    object_ref(subregion);
}

/* Lookups try subregions before their container: priorities need not */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    memory_region_add_subregion(mr, offset, subregion);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_assert(subregion->container == mr);
    subregion->container = NULL;
    QTAILQ_REMOVE(&mr->subregions, subregion, subregions_link);
    object_unref(subregion);
}

static MemoryRegion *hostmem_lookup(hwaddr off, hwaddr *xlat)
{
    MemoryRegion *sub;

    QTAILQ_FOREACH(sub, &device->hostmem.subregions, subregions_link) {
        if (off >= sub->addr &&
            off - sub->addr < int128_get64(sub->size)) {
            *xlat = off - sub->addr;
            return sub;
        }
    }
    *xlat = off;
    return &device->hostmem;
}

static bool in_window(hwaddr addr, hwaddr base, uint64_t size)
{
    return addr >= base && addr - base < size;
}

MemoryRegion *flatview_translate(FlatView *fv, hwaddr addr, hwaddr *xlat,
                                 hwaddr *plen, bool is_write,
                                 MemTxAttrs attrs)
{
    MemoryRegion *mr = &unassigned_mr;
    uint64_t left = 1;

    *xlat = addr;
    if (in_window(addr, FUZZ_RAM_BASE, FUZZ_RAM_SIZE)) {
        mr = &ram_mr;
        *xlat = addr - FUZZ_RAM_BASE;
        left = FUZZ_RAM_SIZE - *xlat;
    } else if (in_window(addr, FUZZ_ROM_BASE, FUZZ_ROM_SIZE)) {
        mr = &rom_mr;
        *xlat = addr - FUZZ_ROM_BASE;
        left = FUZZ_ROM_SIZE - *xlat;
    } else if (device->conf.hostmem &&
               in_window(addr, FUZZ_HOSTMEM_BASE, device->conf.hostmem)) {
        mr = hostmem_lookup(addr - FUZZ_HOSTMEM_BASE, xlat);
        left = int128_get64(mr->size) - *xlat;
    }
    *plen = MIN(*plen, left);
    return mr;
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs)
{
    hwaddr xlat;
    MemoryRegion *mr;
    uint8_t *p = NULL;

    g_assert(as == &fuzz_as);
    mr = flatview_translate(NULL, addr, &xlat, plen, is_write, attrs);
    if (mr == &ram_mr) {
        p = fuzz_ram + xlat;
    } else if (mr == &rom_mr && !is_write) {
        p = fuzz_rom + xlat;
    } else if (mr->ram && mr->opaque) {
        p = (uint8_t *)mr->opaque + xlat;
        object_ref(mr);     /* a mapping keeps its region, as in QEMU */
    }
    if (!p) {
        *plen = 0;
        return NULL;
    }
    fuzz_mapped_count++;
    return p;
}

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len)
{
    g_assert(as == &fuzz_as);
    /* Backing must lie in RAM or ROM: nothing else is ever mapped. */
    g_assert((uint8_t *)buffer >= fuzz_ram &&
             (uint8_t *)buffer + len <= fuzz_ram + FUZZ_RAM_SIZE);
    g_assert(fuzz_mapped_count > 0);
    fuzz_mapped_count--;
}

/* ---- regions another device holds, as DMA to the BAR would ---- */

static MemoryRegion *held[FUZZ_MAX_HELD];

bool fuzz_hold_region(VGpuDevice *g, uint32_t pick)
{
    MemoryRegion *sub;
    int slot;

    for (slot = 0; slot < FUZZ_MAX_HELD && held[slot]; slot++) {
        continue;
    }
    if (slot == FUZZ_MAX_HELD) {
        return false;
    }
    QTAILQ_FOREACH(sub, &g->hostmem.subregions, subregions_link) {
        if (pick-- == 0) {
            held[slot] = MEMORY_REGION(object_ref(sub));
            return true;
        }
    }
    return false;
}

void fuzz_release_region(uint32_t pick)
{
    int slot = pick % FUZZ_MAX_HELD;

    if (held[slot]) {
        MemoryRegion *mr = held[slot];

        held[slot] = NULL;
        releasing_off_bql = true;
        object_unref(mr);
        releasing_off_bql = false;
    }
}

void fuzz_release_all_regions(void)
{
    int slot;

    for (slot = 0; slot < FUZZ_MAX_HELD; slot++) {
        fuzz_release_region(slot);
    }
}

/* ---- virtqueues ---- */

struct VirtQueue {
    GQueue elems;
};

void fuzz_queue_add(VirtQueue *vq, VirtQueueElement *elem)
{
    g_queue_push_tail(&vq->elems, elem);
}

unsigned int fuzz_queue_length(VirtQueue *vq)
{
    return g_queue_get_length(&vq->elems);
}

void *virtqueue_pop(VirtQueue *vq, size_t sz)
{
    return g_queue_pop_head(&vq->elems);
}

uint32_t fuzz_answers[FUZZ_MAX_ANSWERS];
unsigned int fuzz_num_answers;

void virtqueue_push(VirtQueue *vq, const VirtQueueElement *elem,
                    unsigned int len)
{
    struct virtio_gpu_ctrl_hdr hdr;

    /* The device never claims to have written more than the guest gave */
    g_assert(len <= iov_size(elem->in_sg, elem->in_num));
    if (len >= sizeof(hdr) && vq == device->ctrl_vq &&
        fuzz_num_answers < FUZZ_MAX_ANSWERS) {
        iov_to_buf(elem->in_sg, elem->in_num, 0, &hdr, sizeof(hdr));
        fuzz_answers[fuzz_num_answers++] = le32_to_cpu(hdr.type);
    }
}

void virtqueue_detach_element(VirtQueue *vq, const VirtQueueElement *elem,
                              unsigned int len)
{
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
}

void virtio_notify_config(VirtIODevice *vdev)
{
}

void fuzz_queues_drop(VGpuDevice *g)
{
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(g->ctrl_vq, 0))) {
        g_free(elem);
    }
    while ((elem = virtqueue_pop(g->cursor_vq, 0))) {
        g_free(elem);
    }
}

/* What vgpu-device.c needs to link; the fuzzer makes the device itself. */
void virtio_init(VirtIODevice *vdev, uint16_t device_id, size_t config_size)
{
    g_assert_not_reached();
}

void virtio_cleanup(VirtIODevice *vdev)
{
    g_assert_not_reached();
}

VirtQueue *virtio_add_queue(VirtIODevice *vdev, int queue_size,
                            VirtIOHandleOutput handle_output)
{
    g_assert_not_reached();
}

void virtio_delete_queue(VirtQueue *vq)
{
    g_assert_not_reached();
}

int migrate_add_blocker(Error **reasonp, Error **errp)
{
    g_assert_not_reached();
}

void migrate_del_blocker(Error **reasonp)
{
    g_assert_not_reached();
}

void device_class_set_props_n(DeviceClass *dc, const Property *props,
                              size_t n)
{
    g_assert_not_reached();
}

Type type_register_static(const TypeInfo *info)
{
    return NULL;
}

/* The render thread's wake-up: the fuzzer serves the queues itself. */
bool vgpu_worker_start(VGpuDevice *g, Error **errp)
{
    g_assert_not_reached();
}

void vgpu_worker_kick(VGpuDevice *g)
{
}

void vgpu_worker_stop(VGpuDevice *g)
{
    g_assert_not_reached();
}

void vgpu_trace_apply_cmdline(void)
{
}

/* libqemuutil's thread contexts are QOM objects; the device makes none. */
const char *object_get_canonical_path_component(const Object *obj)
{
    g_assert_not_reached();
}

ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name,
                                          const char *type,
                                          ObjectPropertyAccessor *get,
                                          ObjectPropertyAccessor *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque)
{
    g_assert_not_reached();
}

/* Only the stall log reads the clock; libqemuutil's would need a main loop */
int64_t qemu_clock_get_ns(QEMUClockType type)
{
    return g_get_monotonic_time() * 1000;
}

/* The device's timers only wake the render thread: the fuzzer serves */
void timer_init_full(QEMUTimer *ts, QEMUTimerListGroup *timer_list_group,
                     QEMUClockType type, int scale, int attributes,
                     QEMUTimerCB *cb, void *opaque)
{
    memset(ts, 0, sizeof(*ts));
    ts->cb = cb;
    ts->opaque = opaque;
    ts->scale = scale;
    ts->expire_time = -1;
}

void timer_mod(QEMUTimer *ts, int64_t expire_time)
{
    ts->expire_time = expire_time;
}

void timer_del(QEMUTimer *ts)
{
    ts->expire_time = -1;
}

bool timer_pending(QEMUTimer *ts)
{
    return ts->expire_time >= 0;
}

/* ---- bottom halves ---- */

struct QEMUBH {
    QEMUBHFunc *cb;
    void *opaque;
    bool scheduled;
};

static GPtrArray *bottom_halves;

QEMUBH *qemu_bh_new_full(QEMUBHFunc *cb, void *opaque, const char *name,
                         MemReentrancyGuard *reentrancy_guard)
{
    QEMUBH *bh = g_new0(QEMUBH, 1);

    if (!bottom_halves) {
        bottom_halves = g_ptr_array_new();
    }
    bh->cb = cb;
    bh->opaque = opaque;
    g_ptr_array_add(bottom_halves, bh);
    return bh;
}

void qemu_bh_schedule(QEMUBH *bh)
{
    bh->scheduled = true;
}

void qemu_bh_delete(QEMUBH *bh)
{
    g_ptr_array_remove(bottom_halves, bh);
    g_free(bh);
}

void fuzz_run_bottom_halves(void)
{
    guint i;

    for (i = 0; bottom_halves && i < bottom_halves->len; i++) {
        QEMUBH *bh = g_ptr_array_index(bottom_halves, i);

        if (bh->scheduled) {
            bh->scheduled = false;
            bh->cb(bh->opaque);
        }
    }
}

/* ---- consoles: they read what they are given ---- */

typedef struct FuzzSurface {
    DisplaySurface surface;
    int width, height, linesize;
    uint8_t *data;
    bool owns_data;
} FuzzSurface;

typedef struct FuzzConsole {
    FuzzSurface *surface;
    QemuDmaBuf *scanout;
} FuzzConsole;

typedef struct FuzzDmaBuf {
    uint32_t width, height;
    int fd;
} FuzzDmaBuf;

static FuzzConsole consoles[FUZZ_MAX_CONSOLES];
/* volatile: the reads below must happen, though nothing uses the sum */
static volatile uint8_t sink;

static void read_all(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        sum += p[i];
    }
    sink = sum;
}

QemuConsole *graphic_console_init(DeviceState *dev, uint32_t head,
                                  const GraphicHwOps *ops, void *opaque)
{
    g_assert(head < FUZZ_MAX_CONSOLES);
    return (QemuConsole *)&consoles[head];
}

static void surface_free(FuzzSurface *s)
{
    if (s) {
        if (s->owns_data) {
            g_free(s->data);
        }
        g_free(s);
    }
}

void graphic_console_close(QemuConsole *con)
{
    FuzzConsole *c = (FuzzConsole *)con;

    surface_free(c->surface);
    c->surface = NULL;
    g_assert(!c->scanout);
}

static DisplaySurface *surface_new(int w, int h, int linesize, uint8_t *data,
                                   bool owns)
{
    FuzzSurface *s = g_new0(FuzzSurface, 1);

    g_assert(w > 0 && h > 0 && linesize >= w * 4);
    s->width = w;
    s->height = h;
    s->linesize = linesize;
    s->data = data;
    s->owns_data = owns;
    return &s->surface;
}

DisplaySurface *qemu_create_displaysurface_from(int width, int height,
                                                pixman_format_code_t format,
                                                int linesize, uint8_t *data)
{
    return surface_new(width, height, linesize, data, false);
}

DisplaySurface *qemu_create_displaysurface(int width, int height)
{
    return surface_new(width, height, width * 4,
                       g_malloc0((size_t)width * height * 4), true);
}

void dpy_gfx_replace_surface(QemuConsole *con, DisplaySurface *surface)
{
    FuzzConsole *c = (FuzzConsole *)con;

    surface_free(c->surface);
    c->surface = (FuzzSurface *)surface;
}

void dpy_gfx_update(QemuConsole *con, int x, int y, int w, int h)
{
    FuzzSurface *s = ((FuzzConsole *)con)->surface;

    g_assert(s && x >= 0 && y >= 0 && w <= s->width - x &&
             h <= s->height - y);
    read_all(s->data, (size_t)s->linesize * s->height);
}

bool console_has_gl(QemuConsole *con)
{
    return fuzz_console_has_gl;
}

/* A display that imports dmabufs, so that the fuzzer reaches that path. */
DisplayOptions *qmp_query_display_options(Error **errp)
{
    DisplayOptions *opts = g_new0(DisplayOptions, 1);

    opts->type = DISPLAY_TYPE_EGL_HEADLESS;
    return opts;
}

void qapi_free_DisplayOptions(DisplayOptions *obj)
{
    g_free(obj);
}

void dpy_gl_scanout_dmabuf(QemuConsole *con, QemuDmaBuf *dmabuf)
{
    ((FuzzConsole *)con)->scanout = dmabuf;
}

void dpy_gl_release_dmabuf(QemuConsole *con, QemuDmaBuf *dmabuf)
{
    FuzzConsole *c = (FuzzConsole *)con;

    if (c->scanout == dmabuf) {
        c->scanout = NULL;
    }
}

void dpy_gl_scanout_disable(QemuConsole *con)
{
    ((FuzzConsole *)con)->scanout = NULL;
}

void dpy_gl_update(QemuConsole *con, uint32_t x, uint32_t y, uint32_t w,
                   uint32_t h)
{
    FuzzDmaBuf *d = (FuzzDmaBuf *)((FuzzConsole *)con)->scanout;

    g_assert(d && w <= d->width && h <= d->height);
}

void dpy_mouse_set(QemuConsole *con, int x, int y, bool on)
{
}

void dpy_cursor_define(QemuConsole *con, QEMUCursor *cursor)
{
    read_all((const uint8_t *)cursor->data,
             (size_t)cursor->width * cursor->height * 4);
}

QEMUCursor *cursor_alloc(uint16_t width, uint16_t height)
{
    QEMUCursor *c = g_malloc0(sizeof(*c) + (size_t)width * height * 4);

    c->width = width;
    c->height = height;
    c->refcount = 1;
    return c;
}

void cursor_unref(QEMUCursor *c)
{
    if (c && --c->refcount == 0) {
        g_free(c);
    }
}

QemuDmaBuf *qemu_dmabuf_new(uint32_t width, uint32_t height,
                            uint32_t stride, uint32_t x,
                            uint32_t y, uint32_t backing_width,
                            uint32_t backing_height, uint32_t fourcc,
                            uint64_t modifier, int dmabuf_fd,
                            bool allow_fences, bool y0_top)
{
    FuzzDmaBuf *d = g_new0(FuzzDmaBuf, 1);

    d->width = width;
    d->height = height;
    d->fd = dmabuf_fd;
    return (QemuDmaBuf *)d;
}

void qemu_dmabuf_close(QemuDmaBuf *dmabuf)
{
    FuzzDmaBuf *d = (FuzzDmaBuf *)dmabuf;

    if (d->fd >= 0) {
        close(d->fd);
        d->fd = -1;
    }
}

void qemu_dmabuf_free(QemuDmaBuf *dmabuf)
{
    g_free(dmabuf);
}

uint32_t qemu_dmabuf_get_width(QemuDmaBuf *dmabuf)
{
    return ((FuzzDmaBuf *)dmabuf)->width;
}

uint32_t qemu_dmabuf_get_height(QemuDmaBuf *dmabuf)
{
    return ((FuzzDmaBuf *)dmabuf)->height;
}

void qemu_edid_generate(uint8_t *edid, size_t size, qemu_edid_info *info)
{
    memset(edid, 0, size);
}

size_t qemu_edid_size(uint8_t *edid)
{
    return 128;
}

/* ---- the device, made the way realize makes it ---- */

VGpuDevice *fuzz_device_new(bool blob, bool context_init)
{
    VGpuDevice *g = g_new0(VGpuDevice, 1);
    VirtIODevice *vdev = VIRTIO_DEVICE(g);

    device = g;
    if (!fuzz_ram) {
        fuzz_ram = g_malloc0(FUZZ_RAM_SIZE);
    }
    OBJECT(g)->ref = 1;
    vdev->dma_as = &fuzz_as;
    g->conf = (VGpuConf) {
        .max_outputs = 2,
        .max_backing_entries = 4096,
        .max_resource_bytes = 64 * MiB,
        .max_contexts = 8,
        .max_frame_bytes = 8 * MiB,
        .xres = 64,
        .yres = 64,
        .edid = true,
        .dmabuf = true,
        .blob = blob,
        .hostmem = blob ? FUZZ_HOSTMEM_SIZE : 0,
        .drm_native_context = context_init,
        .context_init = context_init,
        .venus_nudge_ms = VGPU_VENUS_NUDGE_DEFAULT_MS,
    };
    QTAILQ_INIT(&g->resources);
    QTAILQ_INIT(&g->retired);
    QTAILQ_INIT(&g->unmapping);
    g->contexts = bitmap_new(VGPU_MAX_CONTEXTS);
    g->ring_contexts = bitmap_new(VGPU_MAX_CONTEXTS);
    vgpu_venus_rings_init(g);
    g->ctrl_vq = g_new0(VirtQueue, 1);
    g->cursor_vq = g_new0(VirtQueue, 1);
    if (g->conf.hostmem) {
        g_assert(vgpu_hostmem_init(g, &error_abort));
    }
    vgpu_fence_init(g);
    vgpu_renderer_init(g, &error_abort);
    g_assert(vgpu_capsets_init(g, &error_abort));
    vgpu_scanouts_init(g);
    return g;
}

/*
 * As unrealize does once every user of a region has let go: nothing
 * the guest made may be left, in the device or in our mappings.
 */
void fuzz_device_free(VGpuDevice *g)
{
    fuzz_release_all_regions();
    fuzz_queues_drop(g);
    vgpu_fence_reset(g);
    vgpu_drop_guest_state(g);
    vgpu_resources_reap(g);
    g_assert_cmpuint(g->unmaps_pending, ==, 0);
    g_assert(QTAILQ_EMPTY(&g->unmapping));
    g_assert_cmpuint(g->num_resources, ==, 0);
    g_assert_cmpuint(g->resource_bytes, ==, 0);
    g_assert_cmpuint(g->backing_entries, ==, 0);
    g_assert(bitmap_empty(g->contexts, VGPU_MAX_CONTEXTS));
    g_assert(QTAILQ_EMPTY(&g->hostmem.subregions));
    fuzz_run_bottom_halves();
    vgpu_scanouts_fini(g);
    vgpu_fence_fini(g);
    vgpu_renderer_fini(g);
    timer_free(g->unmap_poll);
    g_assert_cmpint(fuzz_mapped_count, ==, 0);
    if (g->hostmem_base) {
        munmap(g->hostmem_base, g->conf.hostmem);
    }
    g_free(g->contexts);
    g_free(g->ring_contexts);
    vgpu_venus_rings_fini(g);
    g_free(g->ctrl_vq);
    g_free(g->cursor_vq);
    g_free(g);
    device = NULL;
}
