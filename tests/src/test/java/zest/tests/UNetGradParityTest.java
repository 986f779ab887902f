package zest.tests;

import java.util.Map;
import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;

/** d(sum(noise_pred · R)) / d(sample) through our autograd against torch autograd (cases/unet_grad.safetensors). */
class UNetGradParityTest {
    @Test
    void gradientWithRespectToTheSample() {
        UNet2DConditionModel unet = StableDiffusionModels.loadUNet(Parity.resource("sd-tiny/unet"), null);
        Map<String, Tensor> ref = Parity.sdTinyCase("unet_grad");
        Tensor sample = ref.get("sample").toF32().contiguous().detach().requiresGrad(true);
        Tensor noisePred = unet.forward(sample, ref.get("timesteps"), ref.get("encoder_hidden_states"));
        Tensor objective = noisePred.mul(ref.get("R")).sum();
        objective.backward();
        Parity.assertClose("unet_grad.noise_pred", noisePred, ref.get("noise_pred"));
        Parity.assertClose("unet_grad.objective", objective.reshape(1), ref.get("objective"));
        Parity.assertClose("unet_grad.grad_sample", sample.grad(), ref.get("grad_sample"));
    }
}
