/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl PCI functions (virtio-gpu-gl-pci, virtio-vga-gl): the
 * host-visible region's BAR.  Inline, because the two proxies are
 * modules of their own that share no symbols.
 */

#ifndef HW_DISPLAY_VGPU_PCI_H
#define HW_DISPLAY_VGPU_PCI_H

#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/display/vgpu.h"

/*
 * The host-visible region, where blobs are mapped: a 64-bit prefetchable
 * BAR 4 announced by a virtio shared-memory capability.  BAR 4 is where
 * virtio-pci puts its registers by default, so they move to BAR 2.
 */
static inline void vgpu_pci_prepare_hostmem(VirtIOPCIProxy *vpci,
                                            VGpuDevice *g)
{
    if (g->conf.hostmem) {
        vpci->msix_bar_idx = 1;
        vpci->modern_mem_bar_idx = 2;
    }
}

static inline void vgpu_pci_expose_hostmem(VirtIOPCIProxy *vpci,
                                           VGpuDevice *g)
{
    if (!g->conf.hostmem) {
        return;
    }
    pci_register_bar(&vpci->pci_dev, 4, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_PREFETCH |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &g->hostmem);
    virtio_pci_add_shm_cap(vpci, 4, 0, g->conf.hostmem,
                           VIRTIO_GPU_SHM_ID_HOST_VISIBLE);
}

/*
 * The consoles belong to the PCI function the user named with id=, so
 * that "screendump device=ID head=N", "-vnc ...,display=ID,head=N" and
 * SPICE's monitor addresses find them.
 */
static inline void vgpu_pci_own_consoles(VirtIOPCIProxy *vpci, VGpuDevice *g)
{
    uint32_t i;

    for (i = 0; i < g->conf.max_outputs; i++) {
        object_property_set_link(OBJECT(g->scanout[i].con), "device",
                                 OBJECT(vpci), &error_abort);
    }
}

#endif
