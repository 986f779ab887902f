package zest.kernels.backend;

import java.lang.foreign.MemorySegment;
import zest.engine.Tensor;
import zest.kernels.cuda.Cudnn;
import zest.kernels.device.CudaContext;
import zest.kernels.device.DeviceBuffer;

/**
 * conv2d and its two gradients through cuDNN (FP32, NCHW, FMA math so no TF32; fixed deterministic algorithms).
 * Descriptors are made per call and destroyed after; the workspace comes from the caching allocator.
 */
final class Convolutions {
    private Convolutions() {}

    private record Geometry(MemorySegment x, MemorySegment w, MemorySegment y, MemorySegment conv) implements AutoCloseable {
        static Geometry of(int[] xs, int[] ws, int[] ys, int strideH, int strideW, int padH, int padW) {
            MemorySegment x = Cudnn.tensorDescriptor(Cudnn.CUDNN_DATA_FLOAT, xs[0], xs[1], xs[2], xs[3]);
            MemorySegment w = Cudnn.filterDescriptor(Cudnn.CUDNN_DATA_FLOAT, ws[0], ws[1], ws[2], ws[3]);
            MemorySegment y = Cudnn.tensorDescriptor(Cudnn.CUDNN_DATA_FLOAT, ys[0], ys[1], ys[2], ys[3]);
            MemorySegment conv = Cudnn.convolutionDescriptor(padH, padW, strideH, strideW, 1, 1, 1);
            return new Geometry(x, w, y, conv);
        }

        @Override
        public void close() {
            Cudnn.destroyConvolutionDescriptor(conv);
            Cudnn.destroyTensorDescriptor(y);
            Cudnn.destroyFilterDescriptor(w);
            Cudnn.destroyTensorDescriptor(x);
        }
    }

    static int[] outputShape(int[] xs, int[] ws, int strideH, int strideW, int padH, int padW) {
        return new int[] {xs[0], ws[0], (xs[2] + 2 * padH - ws[2]) / strideH + 1, (xs[3] + 2 * padW - ws[3]) / strideW + 1};
    }

    static Tensor forward(CudaContext ctx, Tensor x, Tensor w, int strideH, int strideW, int padH, int padW) {
        int[] ys = outputShape(x.shape(), w.shape(), strideH, strideW, padH, padW);
        Tensor y = CudaTensors.empty(ctx, ys);
        ctx.makeCurrent();
        MemorySegment h = ctx.cudnn();
        try (Geometry g = Geometry.of(x.shape(), w.shape(), ys, strideH, strideW, padH, padW)) {
            int algo = Cudnn.FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
            long bytes = Cudnn.forwardWorkspaceBytes(h, g.x(), g.w(), g.conv(), g.y(), algo);
            try (DeviceBuffer ws = ctx.allocator().allocate(Math.max(bytes, 1), null)) {
                Cudnn.convolutionForward(h, g.x(), CudaTensors.address(x), g.w(), CudaTensors.address(w), g.conv(), algo,
                        ws.address(), bytes, 0f, g.y(), CudaTensors.address(y));
            }
        }
        return y;
    }

    static Tensor backwardInput(CudaContext ctx, Tensor dy, Tensor w, int[] xs, int strideH, int strideW, int padH, int padW) {
        Tensor dx = CudaTensors.empty(ctx, xs);
        ctx.makeCurrent();
        MemorySegment h = ctx.cudnn();
        try (Geometry g = Geometry.of(xs, w.shape(), dy.shape(), strideH, strideW, padH, padW)) {
            int algo = Cudnn.BWD_DATA_ALGO_1;
            long bytes = Cudnn.backwardDataWorkspaceBytes(h, g.w(), g.y(), g.conv(), g.x(), algo);
            try (DeviceBuffer ws = ctx.allocator().allocate(Math.max(bytes, 1), null)) {
                Cudnn.convolutionBackwardData(h, g.w(), CudaTensors.address(w), g.y(), CudaTensors.address(dy), g.conv(), algo,
                        ws.address(), bytes, 0f, g.x(), CudaTensors.address(dx));
            }
        }
        return dx;
    }

    static Tensor backwardWeight(CudaContext ctx, Tensor dy, Tensor x, int[] wShape, int strideH, int strideW, int padH, int padW) {
        Tensor dw = CudaTensors.empty(ctx, wShape);
        ctx.makeCurrent();
        MemorySegment h = ctx.cudnn();
        try (Geometry g = Geometry.of(x.shape(), wShape, dy.shape(), strideH, strideW, padH, padW)) {
            int algo = Cudnn.BWD_FILTER_ALGO_1;
            long bytes = Cudnn.backwardFilterWorkspaceBytes(h, g.x(), g.y(), g.conv(), g.w(), algo);
            try (DeviceBuffer ws = ctx.allocator().allocate(Math.max(bytes, 1), null)) {
                Cudnn.convolutionBackwardFilter(h, g.x(), CudaTensors.address(x), g.y(), CudaTensors.address(dy), g.conv(), algo,
                        ws.address(), bytes, 0f, g.w(), CudaTensors.address(dw));
            }
        }
        return dw;
    }
}
