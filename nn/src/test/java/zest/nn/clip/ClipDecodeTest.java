package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** ids -> text: the inverse of encoding, up to normalization. */
class ClipDecodeTest {

    private final ClipTokenizer clip = ClipTestTokenizers.clip();

    @Test
    void paddedPromptDecodesToTheNormalizedText() {
        assertEquals("a photograph of an astronaut riding a horse",
                clip.decode(clip.encodePadded("A photograph of an   astronaut riding a horse")));
    }

    @Test
    void unicodeSurvivesTheByteTable() {
        assertEquals("café crème ❤️ 🐱 ελληνικά", clip.decode(clip.encode("Café crème ❤️ 🐱 Ελληνικά")));
    }

    @Test
    void punctuationIsSeparatedByTheWordEndMarker() {
        // Every word ends with </w>, so decoding puts a space before punctuation, as transformers does.
        assertEquals("hello , world !", clip.decode(clip.encode("hello, world!")));
    }

    @Test
    void decodingStopsAtEosSoSd2PaddingIsIgnored() {
        assertEquals("a cat", clip.decode(clip.withPadId(0).encodePadded("a cat")));
    }

    @Test
    void halfACharacterBecomesReplacementCharacter() {
        int[] japanese = clip.encode("日");
        assertEquals(1, japanese.length);
        int[] pieces = clip.encode("本");
        assertEquals(2, pieces.length, "本 is split mid-character");
        assertEquals("\uFFFD", clip.decode(new int[] {pieces[0]}));
    }

    @Test
    void unknownIdIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> clip.decode(new int[] {49408}));
        assertThrows(IllegalArgumentException.class, () -> clip.decode(new int[] {-1}));
    }
}
