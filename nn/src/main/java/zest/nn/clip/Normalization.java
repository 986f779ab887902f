package zest.nn.clip;

import java.util.function.UnaryOperator;

/** How prompt text is cleaned before the CLIP regex splits it into words. */
public enum Normalization {

    /**
     * transformers' {@code CLIPTokenizer} without ftfy (the usual diffusers setup): BERT's BasicTokenizer
     * clean-up: control and format characters dropped, CJK ideographs spaced out, NFC, whitespace collapsed,
     * lower case, accents kept. Reproduces the reference {@code ids} exactly.
     */
    BASIC(BasicNormalizer::normalize),

    /**
     * An approximation of the ftfy-enabled tokenizer (and of openai/CLIP's SimpleTokenizer): fixes HTML
     * entities, mojibake, curly quotes, full-width letters and ligatures, keeps zero-width joiners, no CJK
     * spacing. See {@code ClipTokenizer} for where it can still differ from ftfy.
     */
    FTFY_LITE(FtfyLiteNormalizer::normalize);

    private final UnaryOperator<String> normalizer;

    Normalization(UnaryOperator<String> normalizer) {
        this.normalizer = normalizer;
    }

    /** The cleaned, lower-cased text of one stretch of prompt between special-token strings. */
    String apply(String text) {
        return normalizer.apply(text);
    }
}
