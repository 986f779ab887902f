package zest.diffusion.serve;

import java.util.Base64;
import java.util.Map;
import zest.diffusion.io.HeatMaps;
import zest.diffusion.io.PngFiles;
import zest.engine.Tensor;

/** Small PNGs for the page: the x0 preview straight from the latents (no VAE pass) and attention heat maps. */
final class Previews {
    /** Stable Diffusion's latent → RGB approximation (rows: latent channels, columns: r, g, b). */
    private static final float[][] SD_LATENT_RGB = {
            {0.298f, 0.207f, 0.208f}, {0.187f, 0.286f, 0.173f}, {-0.158f, 0.189f, 0.264f}, {-0.184f, -0.271f, -0.473f}};

    private Previews() {}

    static String dataUrl(byte[] png) { return "data:image/png;base64," + Base64.getEncoder().encodeToString(png); }

    /** A cheap preview of predicted clean latents [B, C, h, w] (first image), at latent resolution. */
    static byte[] latentPreview(Tensor latents) {
        Tensor l = latents.select(0, 0).contiguous();
        int c = l.size(0), h = l.size(1), w = l.size(2);
        float[] v = l.toFloatArray();
        byte[] rgb = new byte[h * w * 3];
        if (c == 4) {
            for (int p = 0; p < h * w; p++)
                for (int o = 0; o < 3; o++) {
                    float s = 0;
                    for (int k = 0; k < 4; k++) s += v[k * h * w + p] * SD_LATENT_RGB[k][o];
                    rgb[p * 3 + o] = toByte((s + 1f) / 2f);
                }
        } else { // pixel-space models (C = 3) or anything else: the first channels, stretched to their range
            for (int o = 0; o < 3; o++) {
                int k = Math.min(o, c - 1);
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                for (int p = 0; p < h * w; p++) { min = Math.min(min, v[k * h * w + p]); max = Math.max(max, v[k * h * w + p]); }
                float range = max > min ? max - min : 1f;
                for (int p = 0; p < h * w; p++) rgb[p * 3 + o] = toByte(c == 3 ? v[k * h * w + p] / 2f + 0.5f : (v[k * h * w + p] - min) / range);
            }
        }
        return PngFiles.encodeRgb(rgb, w, h, Map.of());
    }

    /** One heat map PNG per segment of Ŝ [B, K, h, w] (first image), enlarged to at most {@code maxSide} px. */
    static byte[][] segmentMaps(Tensor sHat, int maxSide) {
        Tensor s = sHat.select(0, 0).contiguous();
        int k = s.size(0), h = s.size(1), w = s.size(2);
        float[] all = s.toFloatArray();
        byte[][] out = new byte[k][];
        int scale = Math.max(1, maxSide / Math.max(h, w));
        for (int i = 0; i < k; i++) {
            float[] m = java.util.Arrays.copyOfRange(all, i * h * w, (i + 1) * h * w);
            out[i] = heatMap(m, h, w, w * scale, h * scale);
        }
        return out;
    }

    static byte[] heatMap(float[] map, int h, int w, int outW, int outH) {
        return PngFiles.encodeRgb(HeatMaps.render(map, h, w, outW, outH), outW, outH, Map.of());
    }

    private static byte toByte(float v) { return (byte) Math.round(Math.min(1f, Math.max(0f, v)) * 255f); }
}
