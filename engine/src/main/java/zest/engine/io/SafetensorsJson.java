package zest.engine.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The Jackson setup shared by the reader and the writer, with limits that bound what a hostile header can cost. */
final class SafetensorsJson {
    private SafetensorsJson() {}

    /** Largest header accepted (and written), in bytes; the same bound as the reference implementation. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** A valid header nests three deep (root, tensor entry, shape array); anything much deeper is hostile. */
    static final int MAX_NESTING_DEPTH = 32;
    /** Longest string value (metadata values can legitimately hold a few MB of JSON, e.g. training configs). */
    static final int MAX_STRING_LENGTH = 16 << 20;
    /** Longest key: tensor names and metadata keys. */
    static final int MAX_NAME_LENGTH = 1 << 16;
    /** Longest number literal: u64 needs 20 digits. */
    static final int MAX_NUMBER_LENGTH = 40;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxStringLength(MAX_STRING_LENGTH)
                            .maxNameLength(MAX_NAME_LENGTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxDocumentLength(MAX_HEADER_BYTES)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
}
