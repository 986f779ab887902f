package zest.nn.clip;

/**
 * One BPE piece of a tokenized prompt, with the word it came from.
 *
 * @param position  index in the padded id sequence: BOS is 0, so the first piece is 1
 * @param id        vocabulary id
 * @param piece     vocabulary string, in byte-table characters; a word's last piece ends with {@code </w>}
 * @param wordIndex 0-based index of the word (CLIP regex match) in the prompt; all pieces of a word share it
 * @param wordStart start of the word in {@link TokenizedPrompt#normalizedText()} (chars, inclusive)
 * @param wordEnd   end of the word in {@link TokenizedPrompt#normalizedText()} (chars, exclusive)
 */
public record PromptToken(int position, int id, String piece, int wordIndex, int wordStart, int wordEnd) {}
