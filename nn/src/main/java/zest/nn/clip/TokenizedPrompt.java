package zest.nn.clip;

import java.util.Arrays;
import java.util.List;

/**
 * A prompt as the text encoder sees it ({@link #ids()}: BOS, pieces, EOS, padding) together with where each
 * piece came from, so a phrase or a word can be mapped to positions of the encoder's output.
 *
 * @param normalizedText the cleaned, lower-cased prompt that the word spans index into
 * @param ids            the padded id sequence (a copy is returned)
 * @param tokens         the pieces that survived truncation, in order; {@code tokens.get(i).position() == i + 1}
 * @param droppedTokens  pieces cut off because the prompt was longer than the context
 */
public record TokenizedPrompt(String normalizedText, int[] ids, List<PromptToken> tokens, int droppedTokens) {

    public TokenizedPrompt {
        ids = ids.clone();
        tokens = List.copyOf(tokens);
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    public boolean truncated() {
        return droppedTokens > 0;
    }

    /** The text of the word a piece belongs to, e.g. "apple" for both pieces of a two-piece "apple". */
    public String wordOf(PromptToken token) {
        return normalizedText.substring(token.wordStart(), token.wordEnd());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedPrompt other
                && normalizedText.equals(other.normalizedText)
                && Arrays.equals(ids, other.ids)
                && tokens.equals(other.tokens)
                && droppedTokens == other.droppedTokens;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * normalizedText.hashCode() + Arrays.hashCode(ids)) + tokens.hashCode() + droppedTokens;
    }

    @Override
    public String toString() {
        return "TokenizedPrompt[" + normalizedText + ", ids=" + Arrays.toString(ids) + ", dropped=" + droppedTokens + "]";
    }
}
