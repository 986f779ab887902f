package zest.diffusion.model;

import zest.engine.Tensor;
import zest.engine.device.Device;
import zest.nn.Module;
import zest.nn.Parameter;

/**
 * Moves a loaded model's weights to a device once, before any work: every parameter of the text encoder, UNet and
 * VAE is uploaded in its stored dtype (FP16/BF16 weights stay 16-bit on the GPU and are widened in the kernels'
 * inputs). Inputs made later on the CPU (latents, ids, masks) follow the weights on first use. A no-op for the CPU.
 */
public final class DevicePlacement {
    private DevicePlacement() {}

    public static void move(DiffusionModel model, Device device) {
        if (device.isCpu()) return;
        move(model.textEncoder(), device);
        move(model.unet(), device);
        if (model.vae() != null) move(model.vae(), device);
    }

    public static void move(Module module, Device device) {
        if (module == null || device.isCpu()) return;
        for (Parameter p : module.namedParameters().values()) {
            if (!p.isSet()) continue;
            Tensor v = p.value();
            boolean grad = v.requiresGrad();
            Tensor moved = v.detach().to(device);
            p.set(grad ? moved.requiresGrad(true) : moved);
        }
    }
}
