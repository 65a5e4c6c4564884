/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-vkcheck: a Vulkan workload whose result is checked, for a guest
 * without a window system (Venus has no VK_KHR_display).
 *
 * On the first device whose name contains NAME (default "Venus") it
 * clears a 64x64 RGBA8 image to a known colour, copies it into a
 * host-visible buffer, fills a second buffer with a known word, waits on
 * a fence and compares every byte.  Output lines:
 *   VKCHECK device: <name>
 *   VKCHECK clear_copy: PASS|FAIL <detail>
 *   VKCHECK fill: PASS|FAIL <detail>
 *   VKCHECK done | VKCHECK error <what>
 *
 * The guest's Vulkan loader is reached with dlopen(), so the program
 * builds with the Vulkan headers alone (no target libvulkan to link).
 */

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE        64
#define PIXELS      (SIDE * SIDE)
#define FILL_WORD   0xc0ffee11u
#define TIMEOUT_NS  (20ull * 1000 * 1000 * 1000)

/* The entry points we use, loaded at run time. */
#define VK_FUNCS(X) \
    X(CreateInstance) X(EnumeratePhysicalDevices) \
    X(GetPhysicalDeviceProperties) X(GetPhysicalDeviceQueueFamilyProperties) \
    X(GetPhysicalDeviceMemoryProperties) X(CreateDevice) X(GetDeviceQueue) \
    X(CreateImage) X(GetImageMemoryRequirements) X(BindImageMemory) \
    X(CreateBuffer) X(GetBufferMemoryRequirements) X(BindBufferMemory) \
    X(AllocateMemory) X(MapMemory) X(CreateCommandPool) \
    X(AllocateCommandBuffers) X(BeginCommandBuffer) X(EndCommandBuffer) \
    X(CmdPipelineBarrier) X(CmdClearColorImage) X(CmdCopyImageToBuffer) \
    X(CmdFillBuffer) X(CreateFence) X(QueueSubmit) X(WaitForFences)

#define VK_DECLARE(name) static PFN_vk##name vk##name;
VK_FUNCS(VK_DECLARE)

static PFN_vkGetInstanceProcAddr get_proc;

static void die(const char *what, VkResult r)
{
    printf("VKCHECK error %s (VkResult %d)\n", what, (int)r);
    exit(1);
}

#define CHECK(call) do { \
    VkResult r_ = (call); \
    if (r_ != VK_SUCCESS) { \
        die(#call, r_); \
    } \
} while (0)

static void load_loader(void)
{
    void *lib = dlopen("libvulkan.so.1", RTLD_NOW);

    if (!lib) {
        printf("VKCHECK error dlopen libvulkan.so.1: %s\n", dlerror());
        exit(1);
    }
    get_proc = (PFN_vkGetInstanceProcAddr)dlsym(lib, "vkGetInstanceProcAddr");
    if (!get_proc) {
        die("dlsym vkGetInstanceProcAddr", VK_ERROR_INITIALIZATION_FAILED);
    }
    vkCreateInstance = (PFN_vkCreateInstance)get_proc(NULL,
                                                      "vkCreateInstance");
}

static void load_instance_funcs(VkInstance inst)
{
#define VK_LOAD(name) \
    vk##name = (PFN_vk##name)get_proc(inst, "vk" #name); \
    if (!vk##name) { \
        die("no vk" #name, VK_ERROR_INITIALIZATION_FAILED); \
    }
    VK_FUNCS(VK_LOAD)
}

static VkPhysicalDevice pick_device(VkInstance inst, const char *want)
{
    VkPhysicalDevice devs[16];
    uint32_t n = 16, i;

    CHECK(vkEnumeratePhysicalDevices(inst, &n, devs));
    for (i = 0; i < n; i++) {
        VkPhysicalDeviceProperties p;

        vkGetPhysicalDeviceProperties(devs[i], &p);
        if (strstr(p.deviceName, want)) {
            printf("VKCHECK device: %s\n", p.deviceName);
            return devs[i];
        }
    }
    printf("VKCHECK error no device named like '%s' among %u\n", want, n);
    exit(1);
}

static uint32_t pick_queue_family(VkPhysicalDevice pd)
{
    VkQueueFamilyProperties q[16];
    uint32_t n = 16, i;

    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    for (i = 0; i < n; i++) {
        if (q[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT)) {
            return i;
        }
    }
    die("no graphics or compute queue", VK_ERROR_FEATURE_NOT_PRESENT);
    return 0;
}

static VkDeviceMemory alloc_memory(VkPhysicalDevice pd, VkDevice dev,
                                   VkMemoryRequirements req,
                                   VkMemoryPropertyFlags want)
{
    VkPhysicalDeviceMemoryProperties mp;
    VkDeviceMemory mem;
    uint32_t i;

    vkGetPhysicalDeviceMemoryProperties(pd, &mp);
    for (i = 0; i < mp.memoryTypeCount; i++) {
        if ((req.memoryTypeBits & (1u << i)) &&
            (mp.memoryTypes[i].propertyFlags & want) == want) {
            VkMemoryAllocateInfo ai = {
                .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                .allocationSize = req.size,
                .memoryTypeIndex = i,
            };
            CHECK(vkAllocateMemory(dev, &ai, NULL, &mem));
            return mem;
        }
    }
    die("no suitable memory type", VK_ERROR_OUT_OF_DEVICE_MEMORY);
    return VK_NULL_HANDLE;
}

static VkBuffer host_buffer(VkPhysicalDevice pd, VkDevice dev, void **map)
{
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = PIXELS * 4,
        .usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    };
    VkMemoryRequirements req;
    VkDeviceMemory mem;
    VkBuffer buf;

    CHECK(vkCreateBuffer(dev, &bi, NULL, &buf));
    vkGetBufferMemoryRequirements(dev, buf, &req);
    mem = alloc_memory(pd, dev, req, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    CHECK(vkBindBufferMemory(dev, buf, mem, 0));
    CHECK(vkMapMemory(dev, mem, 0, VK_WHOLE_SIZE, 0, map));
    memset(*map, 0, PIXELS * 4);
    return buf;
}

static VkImage colour_image(VkPhysicalDevice pd, VkDevice dev)
{
    VkImageCreateInfo ii = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
        .imageType = VK_IMAGE_TYPE_2D,
        .format = VK_FORMAT_R8G8B8A8_UNORM,
        .extent = { SIDE, SIDE, 1 },
        .mipLevels = 1,
        .arrayLayers = 1,
        .samples = VK_SAMPLE_COUNT_1_BIT,
        .tiling = VK_IMAGE_TILING_OPTIMAL,
        .usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT |
                 VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
        .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
    };
    VkMemoryRequirements req;
    VkImage img;

    CHECK(vkCreateImage(dev, &ii, NULL, &img));
    vkGetImageMemoryRequirements(dev, img, &req);
    CHECK(vkBindImageMemory(dev, img, alloc_memory(pd, dev, req, 0), 0));
    return img;
}

static void layout(VkCommandBuffer cb, VkImage img, VkImageLayout from,
                   VkImageLayout to, VkAccessFlags src, VkAccessFlags dst)
{
    VkImageMemoryBarrier b = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
        .srcAccessMask = src,
        .dstAccessMask = dst,
        .oldLayout = from,
        .newLayout = to,
        .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .image = img,
        .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 },
    };

    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 0, NULL,
                         1, &b);
}

/* Clear, copy to buf, fill fill_buf: the whole workload. */
static void record(VkCommandBuffer cb, VkImage img, VkBuffer buf,
                   VkBuffer fill_buf)
{
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    VkClearColorValue colour = { .float32 = { 0.25f, 0.5f, 0.75f, 1.0f } };
    VkImageSubresourceRange range = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 };
    VkBufferImageCopy copy = {
        .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
        .imageExtent = { SIDE, SIDE, 1 },
    };

    CHECK(vkBeginCommandBuffer(cb, &begin));
    layout(cb, img, VK_IMAGE_LAYOUT_UNDEFINED,
           VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
           VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdClearColorImage(cb, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                         &colour, 1, &range);
    layout(cb, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
           VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_ACCESS_TRANSFER_WRITE_BIT,
           VK_ACCESS_TRANSFER_READ_BIT);
    vkCmdCopyImageToBuffer(cb, img, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                           buf, 1, &copy);
    vkCmdFillBuffer(cb, fill_buf, 0, VK_WHOLE_SIZE, FILL_WORD);
    CHECK(vkEndCommandBuffer(cb));
}

static int near(int got, int want)
{
    return got >= want - 1 && got <= want + 1;
}

static bool check_clear(const uint8_t *px)
{
    static const int want[4] = { 64, 128, 191, 255 };
    int i, c;

    for (i = 0; i < PIXELS; i++) {
        for (c = 0; c < 4; c++) {
            if (!near(px[i * 4 + c], want[c])) {
                printf("VKCHECK clear_copy: FAIL pixel %d is %u,%u,%u,%u, "
                       "want 64,128,191,255\n", i, px[i * 4], px[i * 4 + 1],
                       px[i * 4 + 2], px[i * 4 + 3]);
                return false;
            }
        }
    }
    printf("VKCHECK clear_copy: PASS %d pixels are %u,%u,%u,%u\n", PIXELS,
           px[0], px[1], px[2], px[3]);
    return true;
}

static bool check_fill(const uint32_t *w)
{
    int i;

    for (i = 0; i < PIXELS; i++) {
        if (w[i] != FILL_WORD) {
            printf("VKCHECK fill: FAIL word %d is 0x%08x, want 0x%08x\n", i,
                   w[i], FILL_WORD);
            return false;
        }
    }
    printf("VKCHECK fill: PASS %d words are 0x%08x\n", PIXELS, FILL_WORD);
    return true;
}

int main(int argc, char **argv)
{
    const char *want = argc > 1 ? argv[1] : "Venus";
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "vgpu-vkcheck",
        .apiVersion = VK_API_VERSION_1_1,
    };
    VkInstanceCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueCount = 1,
        .pQueuePriorities = &prio,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
    };
    VkCommandPoolCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    };
    VkCommandBufferAllocateInfo cbi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO };
    VkInstance inst;
    VkPhysicalDevice pd;
    VkDevice dev;
    VkQueue queue;
    VkCommandBuffer cb;
    VkFence fence;
    VkImage img;
    VkBuffer buf, fill_buf;
    void *pixels, *words;
    bool ok;

    setvbuf(stdout, NULL, _IONBF, 0);
    load_loader();
    CHECK(vkCreateInstance(&ici, NULL, &inst));
    load_instance_funcs(inst);
    pd = pick_device(inst, want);
    qci.queueFamilyIndex = pick_queue_family(pd);
    CHECK(vkCreateDevice(pd, &dci, NULL, &dev));
    vkGetDeviceQueue(dev, qci.queueFamilyIndex, 0, &queue);

    img = colour_image(pd, dev);
    buf = host_buffer(pd, dev, &pixels);
    fill_buf = host_buffer(pd, dev, &words);
    pci.queueFamilyIndex = qci.queueFamilyIndex;
    CHECK(vkCreateCommandPool(dev, &pci, NULL, &cbi.commandPool));
    CHECK(vkAllocateCommandBuffers(dev, &cbi, &cb));
    record(cb, img, buf, fill_buf);

    CHECK(vkCreateFence(dev, &fci, NULL, &fence));
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cb;
    CHECK(vkQueueSubmit(queue, 1, &si, fence));
    CHECK(vkWaitForFences(dev, 1, &fence, VK_TRUE, TIMEOUT_NS));

    ok = check_clear(pixels);
    ok = check_fill(words) && ok;
    printf("VKCHECK done\n");
    return ok ? 0 : 1;
}
