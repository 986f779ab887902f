package zest.nn.clip;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * CLIP's byte-level BPE tokenizer, as used by Stable Diffusion's text encoder.
 *
 * <p>Pipeline: literal {@code <|startoftext|>}/{@code <|endoftext|>} strings are cut out first; the text
 * between them is cleaned ({@link Normalization}); CLIP's word regex splits it into words; each word's UTF-8
 * bytes, written as GPT-2's printable byte characters, are merged by byte-pair encoding; pieces map to
 * ids through vocab.json (an unknown piece becomes the {@code <|endoftext|>} id, transformers' unk token).
 * Padded sequences are BOS, at most {@code length - 2} ids, EOS, then the pad id.
 *
 * <p><b>Reference fidelity.</b> {@link Normalization#BASIC} (the default) reproduces transformers 4.57's
 * slow {@code CLIPTokenizer} without ftfy, the usual diffusers setup: all 40 {@code ids} of the
 * clip-vocab reference cases. {@link Normalization#FTFY_LITE} approximates the tokenizer with ftfy 6.3
 * installed (also what openai/CLIP produces) and matches all 40 {@code ids_ftfy}; without it, the 4 prompts
 * that differ are those with curly quotes, HTML entities, Japanese text (BASIC spaces out CJK ideographs)
 * and full-width letters / ligatures / mojibake. FTFY_LITE still differs from real ftfy on inputs the
 * reference cases do not cover: it knows only common named HTML entities (not all 2,231 of HTML 5), repairs
 * mojibake only where a complete UTF-8 sequence was read as Windows-1252/Latin-1 (ftfy also handles other
 * code pages and weighs a whole-text badness score), and skips ftfy's rarer fixes. Both modes can also
 * differ from Python on characters whose Unicode properties changed between Python's Unicode version and
 * Java 25's (Unicode 16), e.g. code points unassigned in one of them.
 *
 * <p>Instances are immutable and thread-safe (the BPE cache is concurrent); load once and share. Loading
 * the 49k-token vocabulary takes a few hundred milliseconds in a cold JVM (tens once warm); a prompt whose
 * words were seen before tokenizes in microseconds, a new word costs one BPE run (also microseconds).
 */
public final class ClipTokenizer {

    /** Padded length of every Stable Diffusion text encoder input. */
    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    public static final String START_OF_TEXT = PreTokenizer.START_OF_TEXT;
    public static final String END_OF_TEXT = PreTokenizer.END_OF_TEXT;
    public static final String VOCAB_FILE = "vocab.json";
    public static final String MERGES_FILE = "merges.txt";

    private final ClipVocabulary vocabulary;
    private final BytePairEncoder bpe;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int contextLength;
    private final Normalization normalization;

    private ClipTokenizer(ClipVocabulary vocabulary, BytePairEncoder bpe, int padId, int contextLength,
                          Normalization normalization) {
        this.vocabulary = vocabulary;
        this.bpe = bpe;
        this.bosId = requiredId(vocabulary, START_OF_TEXT);
        this.eosId = requiredId(vocabulary, END_OF_TEXT);
        this.padId = padId < 0 ? eosId : padId;
        this.contextLength = contextLength;
        this.normalization = normalization;
    }

    // ---- loading ------------------------------------------------------------------------------------

    /**
     * Loads a Hugging Face tokenizer folder: vocab.json and merges.txt, plus {@code pad_token} and
     * {@code model_max_length} from special_tokens_map.json / tokenizer_config.json when present.
     */
    public static ClipTokenizer fromDirectory(Path folder) {
        if (!Files.isDirectory(folder)) throw new TokenizerException(folder + ": tokenizer folder not found");
        ClipTokenizer tokenizer = load(folder.resolve(VOCAB_FILE), folder.resolve(MERGES_FILE));
        SpecialTokenConfig config = SpecialTokenConfig.read(folder);
        if (config.padToken() != null) {
            int pad = tokenizer.vocabulary.idOf(config.padToken());
            if (pad < 0) {
                throw new TokenizerException(folder + ": pad_token " + ClipVocabulary.quote(config.padToken())
                        + " is not in " + VOCAB_FILE);
            }
            tokenizer = tokenizer.withPadId(pad);
        }
        return config.modelMaxLength() == null ? tokenizer : tokenizer.withContextLength(config.modelMaxLength());
    }

    public static ClipTokenizer load(Path vocabJson, Path mergesTxt) {
        // The two files are independent: parse merges on another core while this thread parses the vocabulary.
        CompletableFuture<BpeMerges> merges = CompletableFuture.supplyAsync(() -> TokenizerFiles.read(mergesTxt, BpeMerges::read));
        ClipVocabulary vocabulary;
        try {
            vocabulary = TokenizerFiles.read(vocabJson, ClipVocabulary::read);
        } catch (RuntimeException e) {
            merges.cancel(false);
            throw e;
        }
        try {
            return create(vocabulary, merges.join());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Reads both streams to the end; the caller closes them. */
    public static ClipTokenizer load(InputStream vocabJson, InputStream mergesTxt) {
        Objects.requireNonNull(vocabJson, "vocabJson");
        Objects.requireNonNull(mergesTxt, "mergesTxt");
        return create(ClipVocabulary.read(vocabJson, VOCAB_FILE), BpeMerges.read(mergesTxt, MERGES_FILE));
    }

    private static ClipTokenizer create(ClipVocabulary vocabulary, BpeMerges merges) {
        return new ClipTokenizer(vocabulary, new BytePairEncoder(merges), -1, DEFAULT_CONTEXT_LENGTH, Normalization.BASIC);
    }

    private static int requiredId(ClipVocabulary vocabulary, String token) {
        int id = vocabulary.idOf(token);
        if (id < 0) throw new TokenizerException(VOCAB_FILE + " has no " + token + " entry; not a CLIP vocabulary");
        return id;
    }

    // ---- variants (share vocabulary, merges and BPE cache) -----------------------------------------

    public ClipTokenizer withNormalization(Normalization normalization) {
        return new ClipTokenizer(vocabulary, bpe, padId, contextLength, Objects.requireNonNull(normalization));
    }

    /** Pads with {@code padId} instead (SD 2.x tokenizers pad with 0, the token "!"). */
    public ClipTokenizer withPadId(int padId) {
        if (vocabulary.tokenOf(padId) == null) throw new IllegalArgumentException("pad id " + padId + " is not in the vocabulary");
        return new ClipTokenizer(vocabulary, bpe, padId, contextLength, normalization);
    }

    /** Length of {@link #encodePadded} sequences (at least 2: BOS and EOS). */
    public ClipTokenizer withContextLength(int contextLength) {
        checkLength(contextLength);
        return new ClipTokenizer(vocabulary, bpe, padId, contextLength, normalization);
    }

    // ---- properties ----------------------------------------------------------------------------------

    public int bosId() { return bosId; }

    public int eosId() { return eosId; }

    public int padId() { return padId; }

    public int contextLength() { return contextLength; }

    public Normalization normalization() { return normalization; }

    /** One more than the largest id: every id this tokenizer returns is below it (49408 for CLIP). */
    public int vocabularySize() { return vocabulary.idLimit(); }

    /** The vocabulary string of an id (byte-table characters, {@code </w>} on word-final pieces). */
    public String tokenString(int id) {
        String token = vocabulary.tokenOf(id);
        if (token == null) throw new IllegalArgumentException("id " + id + " is not in the vocabulary");
        return token;
    }

    // ---- encoding ------------------------------------------------------------------------------------

    /** The BPE ids of {@code text}: no BOS/EOS, no truncation, no padding. */
    public int[] encode(String text) {
        PreTokenizer.Result words = PreTokenizer.split(text, normalization);
        IntList ids = new IntList();
        forEachPiece(words, (id, piece, wordIndex, word) -> ids.add(id));
        return ids.toArray();
    }

    /** BOS, the ids of {@code text} (at most {@code contextLength() - 2}), EOS, padding: the text encoder's input. */
    public int[] encodePadded(String text) {
        return tokenize(text, contextLength);
    }

    /** As {@link #encodePadded} with an explicit padded length. */
    public int[] tokenize(String text, int maxLength) {
        checkLength(maxLength);
        return pad(encode(text), maxLength);
    }

    /** {@link #encodePadded} plus, for every surviving piece, its string, position and source word. */
    public TokenizedPrompt tokenizePrompt(String text) {
        return tokenizePrompt(text, contextLength);
    }

    public TokenizedPrompt tokenizePrompt(String text, int maxLength) {
        checkLength(maxLength);
        PreTokenizer.Result words = PreTokenizer.split(text, normalization);
        List<PromptToken> tokens = new ArrayList<>();
        forEachPiece(words, (id, piece, wordIndex, word) ->
                tokens.add(new PromptToken(tokens.size() + 1, id, piece, wordIndex, word.start(), word.end())));
        int kept = Math.min(tokens.size(), maxLength - 2);
        int[] content = tokens.stream().mapToInt(PromptToken::id).toArray();
        return new TokenizedPrompt(words.normalizedText(), pad(content, maxLength), tokens.subList(0, kept),
                tokens.size() - kept);
    }

    private int[] pad(int[] content, int maxLength) {
        int kept = Math.min(content.length, maxLength - 2);
        int[] ids = new int[maxLength];
        ids[0] = bosId;
        System.arraycopy(content, 0, ids, 1, kept);
        ids[kept + 1] = eosId;
        for (int i = kept + 2; i < maxLength; i++) ids[i] = padId;
        return ids;
    }

    private interface PieceSink {
        void accept(int id, String piece, int wordIndex, PreTokenizer.Word word);
    }

    private void forEachPiece(PreTokenizer.Result words, PieceSink sink) {
        List<PreTokenizer.Word> list = words.words();
        for (int w = 0; w < list.size(); w++) {
            PreTokenizer.Word word = list.get(w);
            if (word.special()) {
                sink.accept(word.text().equals(START_OF_TEXT) ? bosId : eosId, word.text(), w, word);
                continue;
            }
            for (String piece : bpe.encode(ByteUnicodeTable.encode(word.text()))) {
                int id = vocabulary.idOf(piece);
                sink.accept(id < 0 ? eosId : id, piece, w, word);
            }
        }
    }

    private static void checkLength(int length) {
        if (length < 2) throw new IllegalArgumentException("padded length must be at least 2 (BOS and EOS), got " + length);
    }

    // ---- phrase lookup -------------------------------------------------------------------------------

    /**
     * Where {@code phrase} ("red apple") occurs in {@code prompt}, as positions of the padded sequence
     * (BOS = 0). Matching is on whole words after the same normalization, so case and spacing do not matter.
     * All occurrences are returned; see {@link PhraseMatch}. A phrase not in the prompt, or only past the
     * truncation point, gives an empty match: the caller should warn. Content after a literal
     * {@code <|endoftext|>} in the prompt is not searched.
     */
    public PhraseMatch locatePhrase(String prompt, String phrase) {
        return locatePhrase(encodePadded(prompt), phrase);
    }

    /** As {@link #locatePhrase(String, String)} on ids from {@link #encodePadded} (or unpadded {@link #encode}). */
    public PhraseMatch locatePhrase(int[] promptIds, String phrase) {
        int[] phraseIds = encode(phrase);
        return new PhraseMatch(phrase, phraseIds, PhraseLocator.starts(promptIds, phraseIds, bosId, eosId, this::endsWord));
    }

    /** Every position covered by any occurrence of {@code phrase}, ascending; empty when not found. */
    public List<Integer> findTokenPositions(String prompt, String phrase) {
        return locatePhrase(prompt, phrase).allPositions();
    }

    public List<Integer> findTokenPositions(int[] promptIds, String phrase) {
        return locatePhrase(promptIds, phrase).allPositions();
    }

    private boolean endsWord(int id) {
        if (id == bosId || id == eosId) return true;
        String token = vocabulary.tokenOf(id);
        return token != null && token.endsWith(BytePairEncoder.END_OF_WORD);
    }

    // ---- decoding ------------------------------------------------------------------------------------

    /**
     * The text of {@code ids}: a leading BOS is skipped and decoding stops at the first EOS (what follows is
     * padding). Word ends become spaces; bytes that are not valid UTF-8 become U+FFFD, as in transformers.
     */
    public String decode(int[] ids) {
        StringBuilder pieces = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == eosId) break;
            if (i == 0 && ids[i] == bosId) continue;
            pieces.append(tokenString(ids[i]));
        }
        // </w> is replaced after byte decoding, as transformers does; its four characters are plain ASCII bytes.
        return ByteUnicodeTable.decode(pieces).replace(BytePairEncoder.END_OF_WORD, " ").strip();
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + vocabulary.size() + " tokens, pad=" + padId + ", length=" + contextLength + ", "
                + normalization + "]";
    }
}
