/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl host-visible region: a fixed window of host memory.
 *
 * The region (property hostmem) is RAM of its own, reserved once at
 * realize: anonymous, zero and not reserved up front.  A blob whose
 * memory the renderer gives as a file (a Venus allocation, shared
 * memory, a DRM context's buffer) is placed over part of it with
 * MAP_FIXED; so is a blob with no file that the renderer can map at a
 * fixed address itself (virglrenderer 1.2 and newer: a DRM context's
 * buffer that is not shareable).  UNMAP_BLOB puts anonymous zero memory
 * back over that part.
 * The window's host addresses never change, so no memory region changes
 * either: whoever still holds an address in it (a vCPU's memory map
 * until its RCU grace period ends, another device's DMA mapping) reads
 * zeros from then on, never memory the renderer has freed, and neither
 * map nor unmap waits for anyone.  Blobs the renderer can place in
 * neither way (virgl's own buffers, also with virglrenderer 1.3) are put
 * over the window as subregions instead, see vgpu-blob.c.
 *
 * What a guest writes into the window outside its blobs costs host
 * memory, at most the window's size; a device reset gives it back.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include "hw/display/vgpu.h"
#include "trace.h"

bool vgpu_hostmem_init(VGpuDevice *g, Error **errp)
{
    if (!memory_region_init_ram_flags_nomigrate(&g->hostmem, OBJECT(g),
                                                "virtio-gpu-gl-hostmem",
                                                g->conf.hostmem,
                                                RAM_NORESERVE, errp)) {
        error_prepend(errp, "cannot reserve hostmem=%" PRIu64 " bytes of "
                      "address space: ", g->conf.hostmem);
        return false;
    }
    g->hostmem_base = memory_region_get_ram_ptr(&g->hostmem);
    return true;
}

/* Host bytes a placement of @size takes: whole host pages. */
static uint64_t vgpu_hostmem_span(uint64_t size)
{
    return ROUND_UP(size, qemu_real_host_page_size());
}

/* Anonymous zero memory over [offset, offset + len) of the window. */
static bool vgpu_hostmem_zero(VGpuDevice *g, uint64_t offset, uint64_t len)
{
    void *p = mmap(g->hostmem_base + offset, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                   -1, 0);

    return p != MAP_FAILED;
}

/* After a failed MAP_FIXED, which may have taken the old pages away. */
static void vgpu_hostmem_restore(VGpuDevice *g, uint64_t offset,
                                 uint64_t span)
{
    if (!vgpu_hostmem_zero(g, offset, span)) {
        error_report("virtio-gpu-gl: cannot restore the host-visible "
                     "window at 0x%" PRIx64 ": %s", offset, strerror(errno));
    }
}

/*
 * r's memory as the renderer's file @fd (closed here), mapped at
 * @offset.  A file shorter than the placement must be refused: a guest
 * touching the page past its end would take QEMU down with SIGBUS.
 */
static bool vgpu_hostmem_place_file(VGpuDevice *g, int fd, uint64_t offset,
                                    uint64_t span)
{
    off_t end;
    void *p;

    end = lseek(fd, 0, SEEK_END);
    p = end >= 0 && (uint64_t)end >= span ?
        mmap(g->hostmem_base + offset, span, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, fd, 0) : MAP_FAILED;
    close(fd);
    if (p == MAP_FAILED) {
        vgpu_hostmem_restore(g, offset, span);
        return false;
    }
    return true;
}

/*
 * The renderer maps r, which has no file, at @offset itself.  It maps the
 * size r was created with, which the caller checked fits there.  Any
 * failure may have taken the old pages away (a context's own map
 * callback can fail after the kernel cleared the range), so the window is
 * mended whatever the error.
 */
static bool vgpu_hostmem_place_fixed(VGpuDevice *g, VGpuResource *r,
                                     uint64_t offset, uint64_t span)
{
    if (vgpu_renderer_map_fixed(r->id, g->hostmem_base + offset)) {
        vgpu_hostmem_restore(g, offset, span);
        return false;
    }
    return true;
}

/*
 * Put r's memory at @offset of the window.  False when the renderer can
 * place it there in neither way: the caller then maps the blob another
 * way.
 */
bool vgpu_hostmem_place(VGpuDevice *g, VGpuResource *r, uint64_t offset)
{
    uint64_t span = vgpu_hostmem_span(r->blob_size);
    int fd;

    if (offset % qemu_real_host_page_size()) {
        return false;
    }
    /* A file refused here is not offered again through the renderer */
    fd = vgpu_renderer_export_fd(r->id);
    if (fd >= 0) {
        if (!vgpu_hostmem_place_file(g, fd, offset, span)) {
            return false;
        }
        trace_vgpu_hostmem_place(r->id, offset, span, "file");
    } else {
        if (!vgpu_hostmem_place_fixed(g, r, offset, span)) {
            return false;
        }
        trace_vgpu_hostmem_place(r->id, offset, span, "renderer");
    }
    return true;
}

/*
 * Zero memory back over r's placement: the renderer's memory is then
 * out of reach at once, and may go.  Should the kernel refuse (out of
 * memory for the page tables), the file's pages stay mapped: the guest
 * still sees that blob's memory, but never freed memory, since the
 * mapping keeps them.
 */
void vgpu_hostmem_displace(VGpuDevice *g, VGpuResource *r)
{
    if (!vgpu_hostmem_zero(g, r->map_offset,
                           vgpu_hostmem_span(r->map_size))) {
        error_report("virtio-gpu-gl: cannot take blob %u out of the "
                     "host-visible window: %s", r->id, strerror(errno));
    }
}

/* Device reset: what the guest wrote anywhere in the window goes. */
void vgpu_hostmem_reset(VGpuDevice *g)
{
    if (g->hostmem_base && !vgpu_hostmem_zero(g, 0, g->conf.hostmem)) {
        error_report("virtio-gpu-gl: cannot clear the host-visible window: "
                     "%s", strerror(errno));
    }
}
