/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-vkwork: fixed Vulkan work in several shapes, the same program on
 * the host and in a guest (where it runs under Venus), so the two can be
 * set side by side.  vgpu-glwork is its GL twin.
 *
 * No window system: every picture is drawn into an image of its own and
 * copied to a host-visible buffer when it is checked.  Shapes:
 *   frag-1080p, frag-2160p  a full-screen integer-hash fragment shader
 *   draws                   many small draws into a 256x256 target
 *   upload                  a 1920x1080 image from the CPU per frame
 *   readback                a 1920x1080 image read by the CPU per frame
 *   compute                 the hash (4 * ITERS steps) over 1M words
 *   fence                   empty submissions and their fences
 * Each frame is recorded, submitted and waited for on a fence; its wall
 * time, with the CPU work the shape does in it, is one sample.  The
 * results are checked against the CPU's own computation and summed, so
 * a wrong picture cannot pass for a fast one (the line format is in
 * work-common.h).
 *
 * The Vulkan loader is reached with dlopen() and the shaders are SPIR-V
 * compiled into headers (build-shaders.sh), so the program builds for
 * any guest with the Vulkan headers alone.  Only Vulkan 1.1 core without
 * optional features is used: lavapipe and Venus both run it.
 *
 * Usage: vgpu-vkwork [-d NAME] [-n FRAMES] [-i ITERS] [-D DRAWS]
 *                    [-f FENCES] [-s SHAPE[,SHAPE...]]
 */

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work-common.h"

#include "work_colour_frag.h"
#include "work_fullscreen_vert.h"
#include "work_hash_comp.h"
#include "work_hash_frag.h"
#include "work_rect_vert.h"

/* Generous: a 2160p frame in a TCG guest may take seconds. */
#define FENCE_TIMEOUT_NS    (60ull * 1000 * 1000 * 1000)
#define MAX_DEVICES         16
#define MAX_FAMILIES        16
#define PICTURE_FORMAT      VK_FORMAT_R8G8B8A8_UNORM
#define DRAW_SIDE           256
#define DRAW_CELL           16
#define DRAW_CELLS          ((DRAW_SIDE / DRAW_CELL) * (DRAW_SIDE / DRAW_CELL))
#define FRAG_SAMPLE_STRIDE  97
#define FRAME_WIDTH         1920
#define FRAME_HEIGHT        1080
#define COMPUTE_WIDTH       1024
#define COMPUTE_WORDS       (1024 * 1024)
#define COMPUTE_GROUP       64
#define COMPUTE_STRIDE      997

/* The entry points we use, loaded at run time. */
#define VK_FUNCS(X) \
    X(DestroyInstance) X(EnumeratePhysicalDevices) \
    X(GetPhysicalDeviceProperties) X(GetPhysicalDeviceQueueFamilyProperties) \
    X(GetPhysicalDeviceMemoryProperties) X(CreateDevice) X(DestroyDevice) \
    X(GetDeviceQueue) X(DeviceWaitIdle) \
    X(CreateImage) X(DestroyImage) X(GetImageMemoryRequirements) \
    X(BindImageMemory) X(CreateImageView) X(DestroyImageView) \
    X(CreateBuffer) X(DestroyBuffer) X(GetBufferMemoryRequirements) \
    X(BindBufferMemory) X(AllocateMemory) X(FreeMemory) X(MapMemory) \
    X(CreateCommandPool) X(DestroyCommandPool) X(AllocateCommandBuffers) \
    X(BeginCommandBuffer) X(EndCommandBuffer) \
    X(CmdPipelineBarrier) X(CmdClearColorImage) X(CmdCopyImageToBuffer) \
    X(CmdCopyBufferToImage) X(CmdCopyBuffer) X(CmdBeginRenderPass) \
    X(CmdEndRenderPass) X(CmdBindPipeline) X(CmdBindDescriptorSets) \
    X(CmdPushConstants) X(CmdDraw) X(CmdDispatch) \
    X(CreateRenderPass) X(DestroyRenderPass) X(CreateFramebuffer) \
    X(DestroyFramebuffer) X(CreateShaderModule) X(DestroyShaderModule) \
    X(CreatePipelineLayout) X(DestroyPipelineLayout) \
    X(CreateGraphicsPipelines) X(CreateComputePipelines) X(DestroyPipeline) \
    X(CreateDescriptorSetLayout) X(DestroyDescriptorSetLayout) \
    X(CreateDescriptorPool) X(DestroyDescriptorPool) \
    X(AllocateDescriptorSets) X(UpdateDescriptorSets) \
    X(CreateFence) X(DestroyFence) X(QueueSubmit) X(WaitForFences) \
    X(ResetFences)

#define VK_DECLARE(name) \
    static PFN_vk##name vk##name;
VK_FUNCS(VK_DECLARE)
static PFN_vkCreateInstance vkCreateInstance;
static PFN_vkGetInstanceProcAddr get_proc;

#define CHECK(call) do { \
    VkResult r_ = (call); \
    if (r_ != VK_SUCCESS) { \
        work_fail("%s: VkResult %d", #call, (int)r_); \
    } \
} while (0)

/*
 * The device and what every shape shares: one queue, one command buffer
 * and one fence, since each frame is waited for before the next.
 */
typedef struct Gpu {
    VkInstance inst;
    VkPhysicalDevice pd;
    VkPhysicalDeviceMemoryProperties mem;
    VkDevice dev;
    uint32_t family;
    VkQueue queue;
    VkCommandPool pool;
    VkCommandBuffer cb;
    VkFence fence;
} Gpu;

typedef struct Buffer {
    VkBuffer buf;
    VkDeviceMemory mem;
    VkDeviceSize size;
    void *map;
} Buffer;

/* An RGBA8 image; a render target has a view, framebuffer and pass. */
typedef struct Image {
    VkImage img;
    VkDeviceMemory mem;
    uint32_t width;
    uint32_t height;
    VkImageView view;
    VkRenderPass pass;
    VkFramebuffer fb;
} Image;

typedef struct HashPush {
    uint32_t frame;
    uint32_t iters;
} HashPush;

typedef struct RectPush {
    float rect[4];
    float colour[4];
} RectPush;

static Gpu vk;

static void load_loader(void)
{
    void *lib = dlopen("libvulkan.so.1", RTLD_NOW);

    if (!lib) {
        work_fail("dlopen libvulkan.so.1: %s", dlerror());
    }
    get_proc = (PFN_vkGetInstanceProcAddr)dlsym(lib, "vkGetInstanceProcAddr");
    if (!get_proc) {
        work_fail("dlsym vkGetInstanceProcAddr: %s", dlerror());
    }
    vkCreateInstance = (PFN_vkCreateInstance)get_proc(NULL,
                                                      "vkCreateInstance");
    if (!vkCreateInstance) {
        work_fail("no vkCreateInstance");
    }
}

static PFN_vkVoidFunction load_proc(VkInstance inst, const char *name)
{
    PFN_vkVoidFunction fn = get_proc(inst, name);

    if (!fn) {
        work_fail("no %s", name);
    }
    return fn;
}

static void load_instance_funcs(VkInstance inst)
{
#define VK_LOAD(name) \
    vk##name = (PFN_vk##name)load_proc(inst, "vk" #name);
    VK_FUNCS(VK_LOAD)
}

static void create_instance(void)
{
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "vgpu-vkwork",
        .apiVersion = VK_API_VERSION_1_1,
    };
    VkInstanceCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };

    CHECK(vkCreateInstance(&ici, NULL, &vk.inst));
    load_instance_funcs(vk.inst);
}

/* The first device named like @want (NULL: the first); all on stderr. */
static VkPhysicalDevice pick_device(const char *want)
{
    VkPhysicalDevice devs[MAX_DEVICES], found = VK_NULL_HANDLE;
    uint32_t n = MAX_DEVICES, i;
    VkResult r = vkEnumeratePhysicalDevices(vk.inst, &n, devs);

    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        work_fail("vkEnumeratePhysicalDevices: VkResult %d", (int)r);
    }
    for (i = 0; i < n; i++) {
        VkPhysicalDeviceProperties p;

        vkGetPhysicalDeviceProperties(devs[i], &p);
        fprintf(stderr, "vgpu-vkwork: device %u: %s\n", i, p.deviceName);
        if (!found && (!want || strstr(p.deviceName, want))) {
            found = devs[i];
        }
    }
    if (!found) {
        work_fail("no Vulkan device named like '%s' among %u",
                  want ? want : "", n);
    }
    return found;
}

/* One family for everything: a graphics queue that also computes. */
static uint32_t pick_family(VkPhysicalDevice pd)
{
    const VkQueueFlags want = VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT;
    VkQueueFamilyProperties q[MAX_FAMILIES];
    uint32_t n = MAX_FAMILIES, i;

    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    for (i = 0; i < n; i++) {
        if ((q[i].queueFlags & want) == want && q[i].queueCount > 0) {
            return i;
        }
    }
    work_fail("no queue family with graphics and compute");
    return 0;
}

static void create_device(void)
{
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = vk.family,
        .queueCount = 1,
        .pQueuePriorities = &prio,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
    };

    CHECK(vkCreateDevice(vk.pd, &dci, NULL, &vk.dev));
    vkGetDeviceQueue(vk.dev, vk.family, 0, &vk.queue);
}

/* The command buffer is recorded again every frame. */
static void create_commands(void)
{
    VkCommandPoolCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = vk.family,
    };
    VkCommandBufferAllocateInfo cbi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };

    CHECK(vkCreateCommandPool(vk.dev, &pci, NULL, &vk.pool));
    cbi.commandPool = vk.pool;
    CHECK(vkAllocateCommandBuffers(vk.dev, &cbi, &vk.cb));
    CHECK(vkCreateFence(vk.dev, &fci, NULL, &vk.fence));
}

static void open_gpu(const char *want)
{
    VkPhysicalDeviceProperties p;

    load_loader();
    create_instance();
    vk.pd = pick_device(want);
    vkGetPhysicalDeviceProperties(vk.pd, &p);
    vkGetPhysicalDeviceMemoryProperties(vk.pd, &vk.mem);
    vk.family = pick_family(vk.pd);
    create_device();
    create_commands();
    printf("WORK api=vulkan device=%s driver=0x%08x id=%04x:%04x\n",
           p.deviceName, p.driverVersion, p.vendorID, p.deviceID);
    fflush(stdout);
}

static void close_gpu(void)
{
    CHECK(vkDeviceWaitIdle(vk.dev));
    vkDestroyFence(vk.dev, vk.fence, NULL);
    vkDestroyCommandPool(vk.dev, vk.pool, NULL);
    vkDestroyDevice(vk.dev, NULL);
    vkDestroyInstance(vk.inst, NULL);
}

/* A memory type allowed by @bits with all of @want, or -1. */
static int memory_type(uint32_t bits, VkMemoryPropertyFlags want)
{
    uint32_t i;

    for (i = 0; i < vk.mem.memoryTypeCount; i++) {
        if ((bits & (1u << i)) &&
            (vk.mem.memoryTypes[i].propertyFlags & want) == want) {
            return i;
        }
    }
    return -1;
}

/* Memory with @want, and @prefer too where some type has it. */
static VkDeviceMemory alloc_memory(VkMemoryRequirements req,
                                   VkMemoryPropertyFlags want,
                                   VkMemoryPropertyFlags prefer)
{
    int type = memory_type(req.memoryTypeBits, want | prefer);
    VkMemoryAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
    };
    VkDeviceMemory mem;

    if (type < 0) {
        type = memory_type(req.memoryTypeBits, want);
    }
    if (type < 0) {
        work_fail("no memory type with flags 0x%x among 0x%x", want,
                  req.memoryTypeBits);
    }
    ai.memoryTypeIndex = type;
    CHECK(vkAllocateMemory(vk.dev, &ai, NULL, &mem));
    return mem;
}

static Buffer make_buffer(VkDeviceSize size, VkBufferUsageFlags usage,
                          VkMemoryPropertyFlags want,
                          VkMemoryPropertyFlags prefer)
{
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = usage,
    };
    VkMemoryRequirements req;
    Buffer b = { .size = size };

    CHECK(vkCreateBuffer(vk.dev, &bi, NULL, &b.buf));
    vkGetBufferMemoryRequirements(vk.dev, b.buf, &req);
    b.mem = alloc_memory(req, want, prefer);
    CHECK(vkBindBufferMemory(vk.dev, b.buf, b.mem, 0));
    if (want & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        CHECK(vkMapMemory(vk.dev, b.mem, 0, VK_WHOLE_SIZE, 0, &b.map));
    }
    return b;
}

/*
 * A mapped buffer the CPU reads (@cached: a type the CPU caches, where
 * there is one, since reading uncached memory is slow) or writes.
 */
static Buffer host_buffer(VkDeviceSize size, VkBufferUsageFlags usage,
                          bool cached)
{
    return make_buffer(size, usage, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                       cached ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
}

static void free_buffer(Buffer *b)
{
    vkDestroyBuffer(vk.dev, b->buf, NULL);
    vkFreeMemory(vk.dev, b->mem, NULL);
}

static Image make_image(uint32_t width, uint32_t height,
                        VkImageUsageFlags usage)
{
    VkImageCreateInfo ii = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
        .imageType = VK_IMAGE_TYPE_2D,
        .format = PICTURE_FORMAT,
        .extent = { width, height, 1 },
        .mipLevels = 1,
        .arrayLayers = 1,
        .samples = VK_SAMPLE_COUNT_1_BIT,
        .tiling = VK_IMAGE_TILING_OPTIMAL,
        .usage = usage | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
        .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
    };
    VkMemoryRequirements req;
    Image im = { .width = width, .height = height };

    CHECK(vkCreateImage(vk.dev, &ii, NULL, &im.img));
    vkGetImageMemoryRequirements(vk.dev, im.img, &req);
    im.mem = alloc_memory(req, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    CHECK(vkBindImageMemory(vk.dev, im.img, im.mem, 0));
    return im;
}

static void free_image(Image *im)
{
    if (im->fb) {
        vkDestroyFramebuffer(vk.dev, im->fb, NULL);
        vkDestroyRenderPass(vk.dev, im->pass, NULL);
        vkDestroyImageView(vk.dev, im->view, NULL);
    }
    vkDestroyImage(vk.dev, im->img, NULL);
    vkFreeMemory(vk.dev, im->mem, NULL);
}

/*
 * One subpass that leaves the image in COLOR_ATTACHMENT_OPTIMAL: the
 * copy that reads it later moves it on with a barrier of its own.  The
 * dependency orders each frame's writes after the previous frame's.
 */
static VkRenderPass make_render_pass(VkAttachmentLoadOp load)
{
    VkAttachmentDescription colour = {
        .format = PICTURE_FORMAT,
        .samples = VK_SAMPLE_COUNT_1_BIT,
        .loadOp = load,
        .storeOp = VK_ATTACHMENT_STORE_OP_STORE,
        .stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
        .stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
        .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
        .finalLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
    };
    VkAttachmentReference ref = {
        0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL
    };
    VkSubpassDescription sub = {
        .pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
        .colorAttachmentCount = 1,
        .pColorAttachments = &ref,
    };
    VkSubpassDependency dep = {
        .srcSubpass = VK_SUBPASS_EXTERNAL,
        .dstSubpass = 0,
        .srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
        .dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
        .srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
    };
    VkRenderPassCreateInfo rpi = {
        .sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
        .attachmentCount = 1,
        .pAttachments = &colour,
        .subpassCount = 1,
        .pSubpasses = &sub,
        .dependencyCount = 1,
        .pDependencies = &dep,
    };
    VkRenderPass pass;

    CHECK(vkCreateRenderPass(vk.dev, &rpi, NULL, &pass));
    return pass;
}

static Image make_target(uint32_t width, uint32_t height,
                         VkAttachmentLoadOp load)
{
    Image t = make_image(width, height,
                         VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT);
    VkImageViewCreateInfo vi = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
        .image = t.img,
        .viewType = VK_IMAGE_VIEW_TYPE_2D,
        .format = PICTURE_FORMAT,
        .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 },
    };
    VkFramebufferCreateInfo fi = {
        .sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
        .attachmentCount = 1,
        .width = width,
        .height = height,
        .layers = 1,
    };

    CHECK(vkCreateImageView(vk.dev, &vi, NULL, &t.view));
    t.pass = make_render_pass(load);
    fi.renderPass = t.pass;
    fi.pAttachments = &t.view;
    CHECK(vkCreateFramebuffer(vk.dev, &fi, NULL, &t.fb));
    return t;
}

static VkShaderModule make_shader(const uint32_t *code, size_t size)
{
    VkShaderModuleCreateInfo si = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = size,
        .pCode = code,
    };
    VkShaderModule mod;

    CHECK(vkCreateShaderModule(vk.dev, &si, NULL, &mod));
    return mod;
}

/* Push constants of @size for @stages, and one descriptor set layout. */
static VkPipelineLayout make_layout(VkShaderStageFlags stages, uint32_t size,
                                    const VkDescriptorSetLayout *set)
{
    VkPushConstantRange range = { stages, 0, size };
    VkPipelineLayoutCreateInfo li = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = set ? 1 : 0,
        .pSetLayouts = set,
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &range,
    };
    VkPipelineLayout layout;

    CHECK(vkCreatePipelineLayout(vk.dev, &li, NULL, &layout));
    return layout;
}

static VkPipelineShaderStageCreateInfo stage(VkShaderStageFlagBits which,
                                             VkShaderModule mod)
{
    VkPipelineShaderStageCreateInfo s = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
        .stage = which,
        .module = mod,
        .pName = "main",
    };

    return s;
}

/* No vertex buffers, no depth, no blending; the target's whole size. */
static VkPipeline make_graphics(const Image *t, VkPipelineLayout layout,
                                VkShaderModule vs, VkShaderModule fs,
                                VkPrimitiveTopology topology)
{
    VkPipelineShaderStageCreateInfo stages[2] = {
        stage(VK_SHADER_STAGE_VERTEX_BIT, vs),
        stage(VK_SHADER_STAGE_FRAGMENT_BIT, fs),
    };
    VkPipelineVertexInputStateCreateInfo vin = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO,
    };
    VkPipelineInputAssemblyStateCreateInfo ia = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO,
        .topology = topology,
    };
    VkViewport viewport = { 0, 0, t->width, t->height, 0, 1 };
    VkRect2D scissor = { { 0, 0 }, { t->width, t->height } };
    VkPipelineViewportStateCreateInfo vp = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO,
        .viewportCount = 1,
        .pViewports = &viewport,
        .scissorCount = 1,
        .pScissors = &scissor,
    };
    VkPipelineRasterizationStateCreateInfo rs = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
        .polygonMode = VK_POLYGON_MODE_FILL,
        .cullMode = VK_CULL_MODE_NONE,
        .lineWidth = 1.0f,
    };
    VkPipelineMultisampleStateCreateInfo ms = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
        .rasterizationSamples = VK_SAMPLE_COUNT_1_BIT,
    };
    VkPipelineColorBlendAttachmentState blend = {
        .colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT |
                          VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT,
    };
    VkPipelineColorBlendStateCreateInfo cb = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
        .attachmentCount = 1,
        .pAttachments = &blend,
    };
    VkGraphicsPipelineCreateInfo gi = {
        .sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
        .stageCount = 2,
        .pStages = stages,
        .pVertexInputState = &vin,
        .pInputAssemblyState = &ia,
        .pViewportState = &vp,
        .pRasterizationState = &rs,
        .pMultisampleState = &ms,
        .pColorBlendState = &cb,
        .layout = layout,
        .renderPass = t->pass,
    };
    VkPipeline pipe;

    CHECK(vkCreateGraphicsPipelines(vk.dev, VK_NULL_HANDLE, 1, &gi, NULL,
                                    &pipe));
    return pipe;
}

/* A graphics pipeline for @t from two SPIR-V arrays; modules freed. */
static VkPipeline graphics_pipeline(const Image *t, VkPipelineLayout layout,
                                    const uint32_t *vs_code, size_t vs_size,
                                    const uint32_t *fs_code, size_t fs_size,
                                    VkPrimitiveTopology topology)
{
    VkShaderModule vs = make_shader(vs_code, vs_size);
    VkShaderModule fs = make_shader(fs_code, fs_size);
    VkPipeline pipe = make_graphics(t, layout, vs, fs, topology);

    vkDestroyShaderModule(vk.dev, vs, NULL);
    vkDestroyShaderModule(vk.dev, fs, NULL);
    return pipe;
}

static void begin_commands(VkCommandBufferUsageFlags flags)
{
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = flags,
    };

    CHECK(vkBeginCommandBuffer(vk.cb, &begin));
}

/* Submits the command buffer and waits until its fence is signalled. */
static void submit_and_wait(void)
{
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &vk.cb,
    };

    CHECK(vkQueueSubmit(vk.queue, 1, &si, vk.fence));
    CHECK(vkWaitForFences(vk.dev, 1, &vk.fence, VK_TRUE, FENCE_TIMEOUT_NS));
    CHECK(vkResetFences(vk.dev, 1, &vk.fence));
}

static void end_and_wait(void)
{
    CHECK(vkEndCommandBuffer(vk.cb));
    submit_and_wait();
}

static void image_barrier(VkImage img, VkImageLayout from, VkImageLayout to,
                          VkPipelineStageFlags src_stage,
                          VkAccessFlags src_access,
                          VkPipelineStageFlags dst_stage,
                          VkAccessFlags dst_access)
{
    VkImageMemoryBarrier b = {
        .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
        .oldLayout = from,
        .newLayout = to,
        .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .image = img,
        .subresourceRange = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 },
    };

    vkCmdPipelineBarrier(vk.cb, src_stage, dst_stage, 0, 0, NULL, 0, NULL,
                         1, &b);
}

static void memory_barrier(VkPipelineStageFlags src_stage,
                           VkAccessFlags src_access,
                           VkPipelineStageFlags dst_stage,
                           VkAccessFlags dst_access)
{
    VkMemoryBarrier b = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
    };

    vkCmdPipelineBarrier(vk.cb, src_stage, dst_stage, 0, 1, &b, 0, NULL, 0,
                         NULL);
}

/* What a copy wrote, visible to the CPU once the fence is signalled. */
static void host_barrier(void)
{
    memory_barrier(VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                   VK_ACCESS_HOST_READ_BIT);
}

/* Records the copy of all of @im (in TRANSFER_SRC_OPTIMAL) into @dst. */
static void copy_image(const Image *im, const Buffer *dst)
{
    VkBufferImageCopy copy = {
        .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
        .imageExtent = { im->width, im->height, 1 },
    };

    vkCmdCopyImageToBuffer(vk.cb, im->img,
                           VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst->buf, 1,
                           &copy);
}

/*
 * All of @im, written last in @layout at @stage with @access, copied
 * into a new host buffer: the picture as the CPU sees it.
 */
static Buffer read_image(const Image *im, VkImageLayout layout,
                         VkPipelineStageFlags stage, VkAccessFlags access)
{
    Buffer out = host_buffer((VkDeviceSize)im->width * im->height * 4,
                             VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    image_barrier(im->img, layout, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                  stage, access, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_READ_BIT);
    copy_image(im, &out);
    host_barrier();
    end_and_wait();
    return out;
}

static Buffer read_target(const Image *t)
{
    return read_image(t, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                      VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                      VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT);
}

static void begin_pass(const Image *t, const VkClearValue *clear)
{
    VkRenderPassBeginInfo bi = {
        .sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
        .renderPass = t->pass,
        .framebuffer = t->fb,
        .renderArea = { { 0, 0 }, { t->width, t->height } },
        .clearValueCount = clear ? 1 : 0,
        .pClearValues = clear,
    };

    vkCmdBeginRenderPass(vk.cb, &bi, VK_SUBPASS_CONTENTS_INLINE);
}

static void check_frag_pixel(const Image *t, const uint32_t *pixels,
                             uint32_t x, uint32_t y, uint32_t frame,
                             int iters)
{
    uint32_t got = pixels[(size_t)y * t->width + x];
    uint32_t want = word_as_pixel(work_hash_steps(work_hash_seed(x, y, frame),
                                             iters));

    if (got != want) {
        work_fail("frag: pixel (%u,%u) is %08x, not %08x", x, y, got, want);
    }
}

/* The corners, the centre, and a spread of pixels between them. */
static void check_frag_picture(const Image *t, const uint32_t *pixels,
                               uint32_t frame, int iters)
{
    uint32_t w = t->width, h = t->height;
    size_t n = (size_t)w * h, i;

    check_frag_pixel(t, pixels, 0, 0, frame, iters);
    check_frag_pixel(t, pixels, w - 1, 0, frame, iters);
    check_frag_pixel(t, pixels, 0, h - 1, frame, iters);
    check_frag_pixel(t, pixels, w - 1, h - 1, frame, iters);
    check_frag_pixel(t, pixels, w / 2, h / 2, frame, iters);
    for (i = 0; i < n; i += FRAG_SAMPLE_STRIDE) {
        check_frag_pixel(t, pixels, i % w, i / w, frame, iters);
    }
}

static void record_frag(const Image *t, VkPipeline pipe,
                        VkPipelineLayout layout, uint32_t frame, int iters)
{
    HashPush push = { frame, iters };

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    begin_pass(t, NULL);
    vkCmdBindPipeline(vk.cb, VK_PIPELINE_BIND_POINT_GRAPHICS, pipe);
    vkCmdPushConstants(vk.cb, layout, VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                       sizeof(push), &push);
    vkCmdDraw(vk.cb, 3, 1, 0, 0);
    vkCmdEndRenderPass(vk.cb);
}

static void shape_frag(const char *shape, uint32_t width, uint32_t height,
                       const Options *o)
{
    Image t = make_target(width, height, VK_ATTACHMENT_LOAD_OP_DONT_CARE);
    VkPipelineLayout layout = make_layout(VK_SHADER_STAGE_FRAGMENT_BIT,
                                          sizeof(HashPush), NULL);
    VkPipeline pipe = graphics_pipeline(&t, layout, work_fullscreen_vert,
                                        sizeof(work_fullscreen_vert),
                                        work_hash_frag,
                                        sizeof(work_hash_frag),
                                        VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST);
    double *samples = new_samples(o->frames);
    int f, last = WARMUP_FRAMES + o->frames - 1;
    Buffer out;

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        record_frag(&t, pipe, layout, f, o->iters);
        end_and_wait();
        take_sample(samples, f, start);
    }
    out = read_target(&t);
    check_frag_picture(&t, out.map, last, o->iters);
    work_report(shape, samples, o->frames, o->iters,
                work_checksum(out.map, out.size));
    free_buffer(&out);
    free(samples);
    vkDestroyPipeline(vk.dev, pipe, NULL);
    vkDestroyPipelineLayout(vk.dev, layout, NULL);
    free_image(&t);
}

/* Draw @i of frame @frame: which cell it covers, in which colour. */
static int draw_cell(int i, int frame)
{
    return (i + frame * 7) % DRAW_CELLS;
}

static uint32_t draw_colour(int i, int frame)
{
    return work_hash_seed(i, frame, 0) | 0xff000000u;
}

/*
 * Clip-space y = -1 is the image's first row in Vulkan, as it is the
 * first row glReadPixels returns in GL: the two programs' pictures and
 * checksums agree.
 */
static void draw_one(VkPipelineLayout layout, int i, int frame)
{
    int per_row = DRAW_SIDE / DRAW_CELL, cell = draw_cell(i, frame);
    float step = 2.0f * DRAW_CELL / DRAW_SIDE;
    float x0 = -1.0f + (cell % per_row) * step;
    float y0 = -1.0f + (cell / per_row) * step;
    uint32_t c = draw_colour(i, frame);
    RectPush push = {
        { x0, y0, x0 + step, y0 + step },
        { (c & 0xff) / 255.0f, ((c >> 8) & 0xff) / 255.0f,
          ((c >> 16) & 0xff) / 255.0f, (c >> 24) / 255.0f },
    };

    vkCmdPushConstants(vk.cb, layout, VK_SHADER_STAGE_VERTEX_BIT |
                       VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(push), &push);
    vkCmdDraw(vk.cb, 4, 1, 0, 0);
}

/* Every pixel of the last frame: the colour of its cell's last draw. */
static void check_draws_picture(const uint32_t *pixels, int draws, int frame)
{
    uint32_t want[DRAW_CELLS] = { 0 };
    int per_row = DRAW_SIDE / DRAW_CELL, i, x, y;

    for (i = 0; i < draws; i++) {
        want[draw_cell(i, frame)] = word_as_pixel(draw_colour(i, frame));
    }
    for (y = 0; y < DRAW_SIDE; y++) {
        for (x = 0; x < DRAW_SIDE; x++) {
            int cell = (y / DRAW_CELL) * per_row + x / DRAW_CELL;

            if (pixels[y * DRAW_SIDE + x] != want[cell]) {
                work_fail("draws: pixel (%d,%d) is %08x, not %08x", x, y,
                          pixels[y * DRAW_SIDE + x], want[cell]);
            }
        }
    }
}

static void record_draws(const Image *t, VkPipeline pipe,
                         VkPipelineLayout layout, int frame, int draws)
{
    VkClearValue clear = { .color = { .float32 = { 0, 0, 0, 0 } } };
    int i;

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    begin_pass(t, &clear);
    vkCmdBindPipeline(vk.cb, VK_PIPELINE_BIND_POINT_GRAPHICS, pipe);
    for (i = 0; i < draws; i++) {
        draw_one(layout, i, frame);
    }
    vkCmdEndRenderPass(vk.cb);
}

static void shape_draws(const Options *o)
{
    Image t = make_target(DRAW_SIDE, DRAW_SIDE, VK_ATTACHMENT_LOAD_OP_CLEAR);
    VkPipelineLayout layout = make_layout(VK_SHADER_STAGE_VERTEX_BIT |
                                          VK_SHADER_STAGE_FRAGMENT_BIT,
                                          sizeof(RectPush), NULL);
    VkPipeline pipe = graphics_pipeline(&t, layout, work_rect_vert,
                                        sizeof(work_rect_vert),
                                        work_colour_frag,
                                        sizeof(work_colour_frag),
                                        VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP);
    double *samples = new_samples(o->frames);
    int f, last = WARMUP_FRAMES + o->frames - 1;
    Buffer out;

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        record_draws(&t, pipe, layout, f, o->draws);
        end_and_wait();
        take_sample(samples, f, start);
    }
    out = read_target(&t);
    check_draws_picture(out.map, o->draws, last);
    work_report("draws", samples, o->frames, o->draws,
                work_checksum(out.map, out.size));
    free_buffer(&out);
    free(samples);
    vkDestroyPipeline(vk.dev, pipe, NULL);
    vkDestroyPipelineLayout(vk.dev, layout, NULL);
    free_image(&t);
}

/* The whole staging buffer into @im, whose old contents are dropped. */
static void record_upload(const Buffer *staging, const Image *im)
{
    VkBufferImageCopy copy = {
        .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1 },
        .imageExtent = { im->width, im->height, 1 },
    };

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    image_barrier(im->img, VK_IMAGE_LAYOUT_UNDEFINED,
                  VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdCopyBufferToImage(vk.cb, staging->buf, im->img,
                           VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &copy);
}

static void shape_upload(const Options *o)
{
    const size_t size = (size_t)FRAME_WIDTH * FRAME_HEIGHT * 4;
    Image im = make_image(FRAME_WIDTH, FRAME_HEIGHT,
                          VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    Buffer staging = host_buffer(size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                 false);
    double *samples = new_samples(o->frames);
    int f, last = WARMUP_FRAMES + o->frames - 1;
    Buffer out;

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        fill_pattern(staging.map, FRAME_WIDTH, FRAME_HEIGHT, f);
        record_upload(&staging, &im);
        end_and_wait();
        take_sample(samples, f, start);
    }
    out = read_image(&im, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_PIPELINE_STAGE_TRANSFER_BIT,
                     VK_ACCESS_TRANSFER_WRITE_BIT);
    /* The staging buffer still holds the last frame's pattern. */
    if (memcmp(out.map, staging.map, size)) {
        work_fail("upload: the image is not the last frame's pattern");
    }
    work_report("upload", samples, o->frames, 1,
                work_checksum(out.map, out.size));
    free_buffer(&out);
    free_buffer(&staging);
    free(samples);
    free_image(&im);
}

/* Frame @frame's clear colour, as the RGBA8 bytes it leaves. */
static void readback_colour(int frame, uint8_t rgba[4])
{
    rgba[0] = frame;
    rgba[1] = frame * 3;
    rgba[2] = frame * 7;
    rgba[3] = 255;
}

static void record_readback(const Image *im, const Buffer *out, int frame)
{
    VkImageSubresourceRange range = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1 };
    VkClearColorValue colour;
    uint8_t rgba[4];
    int c;

    readback_colour(frame, rgba);
    for (c = 0; c < 4; c++) {
        colour.float32[c] = rgba[c] / 255.0f;
    }
    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    /* The last frame's copy read the image: done before this clear. */
    image_barrier(im->img, VK_IMAGE_LAYOUT_UNDEFINED,
                  VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                  VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdClearColorImage(vk.cb, im->img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                         &colour, 1, &range);
    image_barrier(im->img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                  VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_READ_BIT);
    copy_image(im, out);
    host_barrier();
}

static void shape_readback(const Options *o)
{
    Image im = make_image(FRAME_WIDTH, FRAME_HEIGHT,
                          VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    Buffer out = host_buffer((VkDeviceSize)FRAME_WIDTH * FRAME_HEIGHT * 4,
                             VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    double *samples = new_samples(o->frames);
    int f, last = WARMUP_FRAMES + o->frames - 1;
    uint32_t sum = 0;
    uint8_t want[4];

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        record_readback(&im, &out, f);
        end_and_wait();
        /* Reading the frame is the point: it is inside the sample. */
        sum = work_checksum(out.map, out.size);
        take_sample(samples, f, start);
    }
    readback_colour(last, want);
    if (memcmp(out.map, want, 4)) {
        work_fail("readback: first pixel %08x is not the clear colour "
                  "%02x%02x%02x%02x", *(uint32_t *)out.map, want[3], want[2],
                  want[1], want[0]);
    }
    work_report("readback", samples, o->frames, 1, sum);
    free_buffer(&out);
    free(samples);
    free_image(&im);
}

/* A compute pipeline writing the storage buffer at binding 0. */
typedef struct Compute {
    VkDescriptorSetLayout set_layout;
    VkDescriptorPool pool;
    VkDescriptorSet set;
    VkPipelineLayout layout;
    VkPipeline pipe;
} Compute;

static void make_descriptors(Compute *c, const Buffer *words)
{
    VkDescriptorSetLayoutBinding binding = {
        0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT,
        NULL
    };
    VkDescriptorSetLayoutCreateInfo li = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = 1,
        .pBindings = &binding,
    };
    VkDescriptorPoolSize size = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1 };
    VkDescriptorPoolCreateInfo pi = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = 1,
        .poolSizeCount = 1,
        .pPoolSizes = &size,
    };
    VkDescriptorSetAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorSetCount = 1,
    };
    VkDescriptorBufferInfo bi = { words->buf, 0, VK_WHOLE_SIZE };
    VkWriteDescriptorSet w = {
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstBinding = 0,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &bi,
    };

    CHECK(vkCreateDescriptorSetLayout(vk.dev, &li, NULL, &c->set_layout));
    CHECK(vkCreateDescriptorPool(vk.dev, &pi, NULL, &c->pool));
    ai.descriptorPool = c->pool;
    ai.pSetLayouts = &c->set_layout;
    CHECK(vkAllocateDescriptorSets(vk.dev, &ai, &c->set));
    w.dstSet = c->set;
    vkUpdateDescriptorSets(vk.dev, 1, &w, 0, NULL);
}

static Compute make_compute(const Buffer *words)
{
    Compute c;
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    };
    VkShaderModule mod = make_shader(work_hash_comp, sizeof(work_hash_comp));

    make_descriptors(&c, words);
    c.layout = make_layout(VK_SHADER_STAGE_COMPUTE_BIT, sizeof(HashPush),
                           &c.set_layout);
    ci.stage = stage(VK_SHADER_STAGE_COMPUTE_BIT, mod);
    ci.layout = c.layout;
    CHECK(vkCreateComputePipelines(vk.dev, VK_NULL_HANDLE, 1, &ci, NULL,
                                   &c.pipe));
    vkDestroyShaderModule(vk.dev, mod, NULL);
    return c;
}

static void free_compute(Compute *c)
{
    vkDestroyPipeline(vk.dev, c->pipe, NULL);
    vkDestroyPipelineLayout(vk.dev, c->layout, NULL);
    vkDestroyDescriptorPool(vk.dev, c->pool, NULL);
    vkDestroyDescriptorSetLayout(vk.dev, c->set_layout, NULL);
}

static void record_compute(const Compute *c, uint32_t frame, int iters)
{
    HashPush push = { frame, iters * 4 };

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    /* The last frame wrote every word too: this frame's writes follow. */
    memory_barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                   VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                   VK_ACCESS_SHADER_WRITE_BIT);
    vkCmdBindPipeline(vk.cb, VK_PIPELINE_BIND_POINT_COMPUTE, c->pipe);
    vkCmdBindDescriptorSets(vk.cb, VK_PIPELINE_BIND_POINT_COMPUTE, c->layout,
                            0, 1, &c->set, 0, NULL);
    vkCmdPushConstants(vk.cb, c->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       sizeof(push), &push);
    vkCmdDispatch(vk.cb, COMPUTE_WORDS / COMPUTE_GROUP, 1, 1);
}

/* The device-local words, copied into a new host buffer. */
static Buffer read_words(const Buffer *words)
{
    Buffer out = host_buffer(words->size, VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                             true);
    VkBufferCopy copy = { 0, 0, words->size };

    begin_commands(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
    memory_barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                   VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_READ_BIT);
    vkCmdCopyBuffer(vk.cb, words->buf, out.buf, 1, &copy);
    host_barrier();
    end_and_wait();
    return out;
}

static void check_words(const uint32_t *words, uint32_t frame, int iters)
{
    uint32_t i;

    for (i = 0; i < COMPUTE_WORDS; i += COMPUTE_STRIDE) {
        uint32_t seed = work_hash_seed(i % COMPUTE_WIDTH, i / COMPUTE_WIDTH,
                                       frame);
        uint32_t want = work_hash_steps(seed, iters * 4);

        if (words[i] != want) {
            work_fail("compute: word %u is %08x, not %08x", i, words[i],
                      want);
        }
    }
}

static void shape_compute(const Options *o)
{
    Buffer words = make_buffer(COMPUTE_WORDS * 4,
                               VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                               VK_BUFFER_USAGE_TRANSFER_SRC_BIT, 0,
                               VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    Compute c = make_compute(&words);
    double *samples = new_samples(o->frames);
    int f, last = WARMUP_FRAMES + o->frames - 1;
    Buffer out;

    for (f = 0; f <= last; f++) {
        double start = work_now_us();

        record_compute(&c, f, o->iters);
        end_and_wait();
        take_sample(samples, f, start);
    }
    out = read_words(&words);
    check_words(out.map, last, o->iters);
    work_report("compute", samples, o->frames, o->iters,
                work_checksum(out.map, out.size));
    free_buffer(&out);
    free(samples);
    free_compute(&c);
    free_buffer(&words);
}

/* One empty command buffer, submitted again and again. */
static void shape_fence(const Options *o)
{
    double *samples = new_samples(o->fences);
    uint32_t done = 0;
    int i;

    begin_commands(0);
    CHECK(vkEndCommandBuffer(vk.cb));
    for (i = 0; i < WARMUP_FRAMES + o->fences; i++) {
        double start = work_now_us();

        submit_and_wait();
        if (i >= WARMUP_FRAMES) {
            take_sample(samples, i, start);
            done++;
        }
    }
    work_report("fence", samples, o->fences, 1,
                work_checksum(&done, sizeof(done)));
    free(samples);
}

int main(int argc, char **argv)
{
    Options o = work_parse_options(argc, argv, true);

    open_gpu(o.device);
    if (work_wanted(o.shapes, "frag-1080p")) {
        shape_frag("frag-1080p", 1920, 1080, &o);
    }
    if (work_wanted(o.shapes, "frag-2160p")) {
        shape_frag("frag-2160p", 3840, 2160, &o);
    }
    if (work_wanted(o.shapes, "draws")) {
        shape_draws(&o);
    }
    if (work_wanted(o.shapes, "upload")) {
        shape_upload(&o);
    }
    if (work_wanted(o.shapes, "readback")) {
        shape_readback(&o);
    }
    if (work_wanted(o.shapes, "compute")) {
        shape_compute(&o);
    }
    if (work_wanted(o.shapes, "fence")) {
        shape_fence(&o);
    }
    close_gpu();
    printf("WORK done\n");
    return 0;
}
