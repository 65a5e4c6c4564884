/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl-pci: the PCI transport of our virtio-gpu-gl device.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/display/vgpu.h"
#include "vgpu-pci.h"

#define TYPE_VGPU_GL_PCI "virtio-gpu-gl-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VGpuPci, VGPU_GL_PCI)

struct VGpuPci {
    VirtIOPCIProxy parent_obj;
    VGpuDevice vdev;
};

static void vgpu_pci_realize(VirtIOPCIProxy *vpci_dev, Error **errp)
{
    VGpuPci *dev = VGPU_GL_PCI(vpci_dev);

    vgpu_pci_prepare_hostmem(vpci_dev, &dev->vdev);
    /* virtio-gpu has no legacy interface. */
    virtio_pci_force_virtio_1(vpci_dev);
    if (qdev_realize(DEVICE(&dev->vdev), BUS(&vpci_dev->bus), errp)) {
        vgpu_pci_expose_hostmem(vpci_dev, &dev->vdev);
        vgpu_pci_own_consoles(vpci_dev, &dev->vdev);
    }
}

static const Property vgpu_pci_properties[] = {
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 3),
    /*
     * Off by default, as upstream has it: a notification then kicks the
     * render thread from the vCPU's exit; with it on, from the main loop.
     */
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, false),
};

static void vgpu_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);

    set_bit(DEVICE_CATEGORY_DISPLAY, dc->categories);
    device_class_set_props(dc, vgpu_pci_properties);
    dc->hotpluggable = false;
    k->realize = vgpu_pci_realize;
    pcidev_k->class_id = PCI_CLASS_DISPLAY_OTHER;
}

static void vgpu_pci_instance_init(Object *obj)
{
    VGpuPci *dev = VGPU_GL_PCI(obj);

    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VGPU_GL);
}

static const VirtioPCIDeviceTypeInfo vgpu_pci_info = {
    .generic_name = TYPE_VGPU_GL_PCI,
    .instance_size = sizeof(VGpuPci),
    .instance_init = vgpu_pci_instance_init,
    .class_init = vgpu_pci_class_init,
};

static void vgpu_pci_register_types(void)
{
    virtio_pci_types_register(&vgpu_pci_info);
}

type_init(vgpu_pci_register_types)
module_obj(TYPE_VGPU_GL_PCI);
module_kconfig(VIRTIO_PCI);
