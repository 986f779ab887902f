package zest.nn.clip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The optional settings a Hugging Face tokenizer folder adds to vocab.json and merges.txt: the padding token
 * (SD 1.x pads with {@code <|endoftext|>}, SD 2.x with {@code !} = id 0) and the padded length
 * ({@code model_max_length}, 77 for every SD text encoder).
 *
 * <p>{@code special_tokens_map.json} wins over {@code tokenizer_config.json}, as in transformers. Read with
 * Jackson's streaming parser: building a databind ObjectMapper would cost more than loading the vocabulary.
 */
record SpecialTokenConfig(String padToken, Integer modelMaxLength) {

    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    /** A model_max_length outside this range is transformers' "no limit" placeholder (1e30), not a context size. */
    private static final int MAX_SANE_LENGTH = 1 << 16;

    static SpecialTokenConfig read(Path folder) {
        SpecialTokenConfig map = readIfPresent(folder.resolve(SPECIAL_TOKENS_MAP));
        SpecialTokenConfig config = readIfPresent(folder.resolve(TOKENIZER_CONFIG));
        String pad = map.padToken != null ? map.padToken : config.padToken;
        // model_max_length belongs to tokenizer_config.json only.
        return new SpecialTokenConfig(pad, config.modelMaxLength);
    }

    private static SpecialTokenConfig readIfPresent(Path file) {
        if (!Files.isRegularFile(file)) return new SpecialTokenConfig(null, null);
        try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) throw new TokenizerException(file + ": expected a JSON object");
            String pad = null;
            Integer maxLength = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "pad_token" -> pad = padToken(parser, value, file);
                    case "model_max_length" -> maxLength = contextLength(parser, value);
                    default -> parser.skipChildren();
                }
            }
            return new SpecialTokenConfig(pad, maxLength);
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
    }

    /** {@code pad_token} written either as a string or as an AddedToken object {@code {"content": ...}}. */
    private static String padToken(JsonParser parser, JsonToken value, Path file) throws IOException {
        if (value == JsonToken.VALUE_NULL) return null;
        if (value == JsonToken.VALUE_STRING) return parser.getText();
        String content = null;
        if (value == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken fieldValue = parser.nextToken();
                if (field.equals("content") && fieldValue == JsonToken.VALUE_STRING) content = parser.getText();
                else parser.skipChildren();
            }
        }
        if (content == null) {
            throw new TokenizerException(file + ": pad_token must be a string or an object with a string \"content\"");
        }
        return content;
    }

    private static Integer contextLength(JsonParser parser, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.INT) {
            parser.skipChildren();
            return null;
        }
        int length = parser.getIntValue();
        return length >= 2 && length <= MAX_SANE_LENGTH ? length : null;
    }
}
