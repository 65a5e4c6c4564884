/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-gpu-gl render thread: the one thread that calls the renderer.
 *
 * virglrenderer makes its EGL context current on the thread that calls
 * it, and a thread can have only one window-system API current at a time
 * (libglvnd refuses a GLX or EGL make-current while the other API's
 * context is current: X BadAccess, or epoxy finding no context).  The
 * windowed displays (SDL, GTK) draw with their own GL contexts in the
 * main loop thread, so the renderer lives on a thread of its own: it
 * initialises there, serves both virtqueues there and is torn down there.
 *
 * The thread takes the BQL while it handles requests, exactly as the
 * main loop would, so queues, guest memory and consoles are used under
 * the same lock as before; only the GL context moved.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/atomic.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "hw/display/vgpu.h"

static void *vgpu_worker_run(void *opaque)
{
    VGpuDevice *g = opaque;
    bool ok;

    rcu_register_thread();
    ok = vgpu_renderer_init(g, &g->worker_err);
    if (ok && !vgpu_capsets_init(g, &g->worker_err)) {
        vgpu_renderer_fini(g);
        ok = false;
    }
    /* realize() waits for this, holding the BQL: take no lock before. */
    qemu_sem_post(&g->worker_ready);

    while (ok) {
        qemu_event_wait(&g->worker_wake);
        /* Requests queued after this point wake the next round. */
        qemu_event_reset(&g->worker_wake);
        bql_lock();
        if (qatomic_read(&g->worker_quit)) {
            vgpu_drop_guest_state(g);
            if (vgpu_hostmem_drain(g)) {
                vgpu_renderer_fini(g);
            } else {
                /* Leaked rather than freed under a user's feet. */
                qemu_log_mask(LOG_GUEST_ERROR, "virtio-gpu-gl: blob regions"
                              " still in use at unrealize; the renderer "
                              "stays\n");
            }
            bql_unlock();
            break;
        }
        vgpu_serve_queues(g);
        bql_unlock();
    }
    rcu_unregister_thread();
    return NULL;
}

bool vgpu_worker_start(VGpuDevice *g, Error **errp)
{
    qemu_sem_init(&g->worker_ready, 0);
    qemu_event_init(&g->worker_wake, false);
    g->worker_quit = false;
    g->worker_err = NULL;
    qemu_thread_create(&g->worker, "virtio-gpu-gl", vgpu_worker_run, g,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&g->worker_ready);
    if (g->worker_err) {
        error_propagate(errp, g->worker_err);
        g->worker_err = NULL;
        qemu_thread_join(&g->worker);
        qemu_sem_destroy(&g->worker_ready);
        qemu_event_destroy(&g->worker_wake);
        return false;
    }
    g->worker_running = true;
    return true;
}

/* Any thread: there may be new requests or a reset to act on. */
void vgpu_worker_kick(VGpuDevice *g)
{
    qemu_event_set(&g->worker_wake);
}

/*
 * Called with the BQL held; the thread needs it for its last round (it
 * destroys what the guest made, then the renderer), so let go meanwhile.
 */
void vgpu_worker_stop(VGpuDevice *g)
{
    if (!g->worker_running) {
        return;
    }
    qatomic_set(&g->worker_quit, true);
    qemu_event_set(&g->worker_wake);
    bql_unlock();
    qemu_thread_join(&g->worker);
    bql_lock();
    g->worker_running = false;
    qemu_sem_destroy(&g->worker_ready);
    qemu_event_destroy(&g->worker_wake);
}
