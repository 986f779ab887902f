/**
 * Reading PyTorch's zip checkpoint format ({@code torch.save} since PyTorch 1.6: {@code <archive>/data.pkl} plus
 * raw storages under {@code <archive>/data/}) without executing anything. {@link zest.convert.ckpt.CkptFile} is the
 * entry point; {@link zest.convert.ckpt.Unpickler} understands pickle protocols 2–5 but builds only plain data, and
 * {@link zest.convert.ckpt.TorchGlobals} is the allow-list of the few Python names a tensor checkpoint refers to.
 */
package zest.convert.ckpt;
