package zest.diffusion.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The bench's JSON: snake_case names throughout, as the Python peers write them. */
final class BenchJson {
    private BenchJson() {}

    static ObjectMapper mapper() {
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    }

    static ObjectMapper pretty() {
        return mapper().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
