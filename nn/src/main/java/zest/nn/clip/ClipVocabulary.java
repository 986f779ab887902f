package zest.nn.clip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The token string <-> id map read from a {@code vocab.json} (a JSON object of string -> integer).
 *
 * <p>Read with Jackson's streaming parser: 49k entries load in a few milliseconds and any structural problem
 * is reported with the file name and the offending key, not as a cast failure later.
 */
final class ClipVocabulary {

    /** Refuses absurd ids before allocating the id -> token array for them. */
    private static final int MAX_ID = 16 * 1024 * 1024;

    private final Map<String, Integer> idsByToken;
    private final String[] tokensById;

    private ClipVocabulary(Map<String, Integer> idsByToken, String[] tokensById) {
        this.idsByToken = idsByToken;
        this.tokensById = tokensById;
    }

    /** Parses {@code in}; {@code source} names the file in error messages. Does not close {@code in}. */
    static ClipVocabulary read(InputStream in, String source) {
        Map<String, Integer> ids = new HashMap<>(1 << 17);
        int maxId = -1;
        // 49k distinct keys: Jackson's field-name interning/canonicalization would cost more than the parse.
        JsonFactory factory = JsonFactory.builder()
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build();
        try (JsonParser parser = factory.createParser(in)) {
            parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new TokenizerException(source + ": expected a JSON object mapping token strings to integer ids, found "
                        + (first == null ? "an empty file" : describe(first)));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String token = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value != JsonToken.VALUE_NUMBER_INT) {
                    throw new TokenizerException(source + ": the id of token " + quote(token) + " is " + describe(value)
                            + ", expected an integer (line " + parser.currentLocation().getLineNr() + ")");
                }
                long id = parser.getLongValue();
                if (id < 0 || id > MAX_ID) {
                    throw new TokenizerException(source + ": the id of token " + quote(token) + " is " + id
                            + ", expected 0.." + MAX_ID);
                }
                ids.put(token, (int) id);
                maxId = Math.max(maxId, (int) id);
            }
            if (parser.nextToken() != null) {
                throw new TokenizerException(source + ": unexpected content after the top-level JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new TokenizerException(source + ": malformed JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new TokenizerException(source + ": cannot read: " + e, e);
        }
        if (ids.isEmpty()) throw new TokenizerException(source + ": the vocabulary is empty");
        String[] tokens = new String[maxId + 1];
        // Two tokens sharing an id: the later one decodes, as with transformers' {v: k} inversion.
        ids.forEach((token, id) -> tokens[id] = token);
        return new ClipVocabulary(ids, tokens);
    }

    /** The id of {@code token}, or -1 when it is not in the vocabulary. */
    int idOf(String token) {
        Integer id = idsByToken.get(token);
        return id == null ? -1 : id;
    }

    /** The token string of {@code id}, or null when no token has that id. */
    String tokenOf(int id) {
        return id >= 0 && id < tokensById.length ? tokensById[id] : null;
    }

    /** One more than the largest id: the size of an embedding table indexed by these ids. */
    int idLimit() {
        return tokensById.length;
    }

    int size() {
        return idsByToken.size();
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_FLOAT -> "a non-integer number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    static String quote(String s) {
        return '"' + s + '"';
    }

    @Override
    public String toString() {
        return "ClipVocabulary[" + idsByToken.size() + " tokens]";
    }
}
