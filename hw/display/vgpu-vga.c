/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-vga-gl: our virtio-gpu-gl device behind a PCI function that is
 * also a standard VGA adapter, for firmware and boot loaders that know
 * only VGA (the x86 BIOS, early boot screens).
 *
 * Layout, as a stdvga-compatible guest expects it: BAR 0 is the VGA
 * framebuffer, BAR 2 holds the stdvga MMIO registers at its start and
 * the virtio regions at its end, BAR 4 the MSI-X table, BAR 5 the
 * legacy I/O ports.  Scanout 0's console shows the VGA picture until the
 * guest's virtio-gpu driver sets a scanout, and again after a reset.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/display/vgpu.h"
#include "vga_int.h"
#include "vgpu-pci.h"

#define TYPE_VGPU_GL_VGA "virtio-vga-gl"
OBJECT_DECLARE_TYPE(VGpuVga, VGpuVgaClass, VGPU_GL_VGA)

/* As upstream's virtio-vga: BAR 0 keeps the size guests and firmware know. */
#define VGPU_VGA_VRAM_MB 8

struct VGpuVga {
    VirtIOPCIProxy parent_obj;
    VGACommonState vga;
    MemoryRegion vga_mrs[3];
    VGpuDevice vdev;
};

struct VGpuVgaClass {
    VirtioPCIClass parent_class;
    ResettablePhases parent_phases;
};

/* Main loop: the console's periodic refresh. */
static void vgpu_vga_gfx_update(void *opaque)
{
    VGpuVga *d = opaque;

    if (d->vdev.display_taken) {
        return;     /* our frames reach the console from vgpu-present.c */
    }
    if (d->vdev.vga_redraw) {
        /* We blanked the console: VGA draws it all, on its own surface. */
        d->vdev.vga_redraw = false;
        d->vga.hw_ops->invalidate(&d->vga);
    }
    d->vga.hw_ops->gfx_update(&d->vga);
}

static void vgpu_vga_invalidate(void *opaque)
{
    VGpuVga *d = opaque;

    if (!d->vdev.display_taken) {
        d->vga.hw_ops->invalidate(&d->vga);
    }
}

static void vgpu_vga_text_update(void *opaque, console_ch_t *chardata)
{
    VGpuVga *d = opaque;

    if (!d->vdev.display_taken && d->vga.hw_ops->text_update) {
        d->vga.hw_ops->text_update(&d->vga, chardata);
    }
}

static void vgpu_vga_ui_info(void *opaque, uint32_t head, QemuUIInfo *info)
{
    VGpuVga *d = opaque;

    d->vdev.console_ops->ui_info(&d->vdev, head, info);
}

static const GraphicHwOps vgpu_vga_console_ops = {
    .invalidate = vgpu_vga_invalidate,
    .gfx_update = vgpu_vga_gfx_update,
    .text_update = vgpu_vga_text_update,
    .ui_info = vgpu_vga_ui_info,
};

/* Put the virtio regions at the end of BAR 2, after the stdvga ones. */
static void vgpu_vga_place_virtio_regions(VirtIOPCIProxy *vpci)
{
    uint32_t offset;

    if (!(vpci->flags & VIRTIO_PCI_FLAG_PAGE_PER_VQ)) {
        /* Without page-per-vq there is no padding for the stdvga ones. */
        vpci->common.size /= 2;
        vpci->isr.size /= 2;
    }
    offset = memory_region_size(&vpci->modern_bar);
    offset -= vpci->notify.size;
    vpci->notify.offset = offset;
    offset -= vpci->device.size;
    vpci->device.offset = offset;
    offset -= vpci->isr.size;
    vpci->isr.offset = offset;
    offset -= vpci->common.size;
    vpci->common.offset = offset;
}

static void vgpu_vga_realize(VirtIOPCIProxy *vpci, Error **errp)
{
    VGpuVga *d = VGPU_GL_VGA(vpci);
    VGACommonState *vga = &d->vga;

    vga->vram_size_mb = VGPU_VGA_VRAM_MB;
    if (!vga_common_init(vga, OBJECT(vpci), errp)) {
        return;
    }
    vga_init(vga, OBJECT(vpci), pci_address_space(&vpci->pci_dev),
             pci_address_space_io(&vpci->pci_dev), true);
    pci_register_bar(&vpci->pci_dev, 0, PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &vga->vram);
    vpci->modern_io_bar_idx = 5;
    vpci->modern_mem_bar_idx = 2;
    vpci->msix_bar_idx = 4;
    vgpu_pci_prepare_hostmem(vpci, &d->vdev);
    vgpu_vga_place_virtio_regions(vpci);

    virtio_pci_force_virtio_1(vpci);
    if (!qdev_realize(DEVICE(&d->vdev), BUS(&vpci->bus), errp)) {
        return;
    }
    vgpu_pci_expose_hostmem(vpci, &d->vdev);
    pci_std_vga_mmio_region_init(vga, OBJECT(d), &vpci->modern_bar,
                                 d->vga_mrs, true, false);

    /* Scanout 0's console is shared: VGA draws on it until virtio does. */
    vga->con = d->vdev.scanout[0].con;
    graphic_console_set_hwops(vga->con, &vgpu_vga_console_ops, d);
    vgpu_pci_own_consoles(vpci, &d->vdev);
}

static void vgpu_vga_reset_hold(Object *obj, ResetType type)
{
    VGpuVgaClass *k = VGPU_GL_VGA_GET_CLASS(obj);
    VGpuVga *d = VGPU_GL_VGA(obj);

    if (k->parent_phases.hold) {
        k->parent_phases.hold(obj, type);    /* resets the virtio device */
    }
    vga_common_reset(&d->vga);
    vga_dirty_log_start(&d->vga);
}

static const Property vgpu_vga_properties[] = {
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 3),
    /*
     * Off by default, as upstream has it: a notification then kicks the
     * render thread from the vCPU's exit; with it on, from the main loop.
     */
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, false),
};

/*
 * The framebuffer's byte order, as upstream's virtio-vga-gl names it:
 * pSeries firmware and guests switch it while running.
 */
static bool vgpu_vga_get_big_endian_fb(Object *obj, Error **errp)
{
    return VGPU_GL_VGA(obj)->vga.big_endian_fb;
}

static void vgpu_vga_set_big_endian_fb(Object *obj, bool value, Error **errp)
{
    VGPU_GL_VGA(obj)->vga.big_endian_fb = value;
}

static void vgpu_vga_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    VGpuVgaClass *vk = VGPU_GL_VGA_CLASS(klass);

    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    device_class_set_props(dc, vgpu_vga_properties);
    dc->hotpluggable = false;
    resettable_class_set_parent_phases(rc, NULL, vgpu_vga_reset_hold, NULL,
                                       &vk->parent_phases);
    k->realize = vgpu_vga_realize;
    pcidev_k->romfile = "vgabios-virtio.bin";
    pcidev_k->class_id = PCI_CLASS_DISPLAY_VGA;
    object_class_property_add_bool(klass, "big-endian-framebuffer",
                                   vgpu_vga_get_big_endian_fb,
                                   vgpu_vga_set_big_endian_fb);
}

static void vgpu_vga_instance_init(Object *obj)
{
    VGpuVga *d = VGPU_GL_VGA(obj);

    virtio_instance_init_common(obj, &d->vdev, sizeof(d->vdev),
                                TYPE_VGPU_GL);
    d->vdev.has_vga = true;
}

static const VirtioPCIDeviceTypeInfo vgpu_vga_info = {
    .generic_name = TYPE_VGPU_GL_VGA,
    .instance_size = sizeof(VGpuVga),
    .class_size = sizeof(VGpuVgaClass),
    .instance_init = vgpu_vga_instance_init,
    .class_init = vgpu_vga_class_init,
};

static void vgpu_vga_register_types(void)
{
    virtio_pci_types_register(&vgpu_vga_info);
}

type_init(vgpu_vga_register_types)
module_obj(TYPE_VGPU_GL_VGA);
module_kconfig(VIRTIO_VGA);
