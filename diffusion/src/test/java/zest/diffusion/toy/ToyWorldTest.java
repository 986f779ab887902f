package zest.diffusion.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ToyWorldTest {
    private final ToyWorld world = new ToyWorld(32);

    @Test
    void sameSeedSameScene() {
        for (long seed = 0; seed < 20; seed++) {
            ToyScene a = world.scene(seed), b = new ToyWorld(32).scene(seed);
            assertArrayEquals(a.image(), b.image());
            assertEquals(a.caption(), b.caption());
            for (int k = 0; k < a.objects().size(); k++) assertArrayEquals(a.objects().get(k).mask(), b.objects().get(k).mask());
        }
        assertNotEquals(world.scene(1).caption() + java.util.Arrays.toString(world.scene(1).image()),
                world.scene(2).caption() + java.util.Arrays.toString(world.scene(2).image()));
        assertEquals(world.trainingScene(7, 3, 1).caption(), world.trainingScene(7, 3, 1).caption());
    }

    @Test
    void masksAreExactlyThePixelsPaintedInTheObjectsColor() {
        for (long seed = 0; seed < 200; seed++) {
            ToyScene s = world.scene(seed);
            assertTrue(s.objects().size() >= 1 && s.objects().size() <= ToyWorld.MAX_OBJECTS);
            for (ToyObject o : s.objects()) {
                assertTrue(o.visiblePixels() > 0, "object visible");
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) {
                        boolean painted = s.rgb(0, x, y) == o.color().r && s.rgb(1, x, y) == o.color().g && s.rgb(2, x, y) == o.color().b;
                        assertEquals(o.mask()[y * 32 + x], painted, "seed " + seed + " " + o.phrase() + " at " + x + "," + y);
                    }
            }
            for (int i = 0; i < s.objects().size(); i++)
                for (int j = i + 1; j < s.objects().size(); j++)
                    assertNotEquals(s.objects().get(i).color(), s.objects().get(j).color(), "colors are distinct within a scene");
        }
    }

    @Test
    void nearestPaletteColorSegmentsExactly() {
        for (long seed = 0; seed < 100; seed++) {
            ToyScene s = world.scene(seed);
            int[] seg = ToySegmentation.segment(s.image(), 32);
            for (int i = 0; i < 32 * 32; i++) {
                int expect = -1;
                for (ToyObject o : s.objects()) if (o.mask()[i]) expect = o.color().ordinal();
                assertEquals(expect, seg[i], "seed " + seed + " pixel " + i);
            }
        }
    }

    @Test
    void captionsNameEveryObjectAndTheBackgroundButNoPosition() {
        List<String> positional = List.of("left", "right", "top", "bottom", "center", "centre", "above", "below", "corner", "middle", "next");
        for (long seed = 0; seed < 300; seed++) {
            ToyScene s = world.scene(seed);
            String c = s.caption();
            for (ToyObject o : s.objects()) assertTrue(c.contains(o.articlePhrase()), c + " names " + o.phrase());
            assertTrue(c.endsWith(" on " + s.background().words), c);
            for (String w : c.toLowerCase(Locale.ROOT).split("[ ,]+")) assertFalse(positional.contains(w), c);
        }
        assertEquals("a red circle, a blue star and a green ring on gray", ToyWorld.caption(List.of(
                obj(ToyKind.CIRCLE, ToyColor.RED), obj(ToyKind.STAR, ToyColor.BLUE), obj(ToyKind.RING, ToyColor.GREEN)), ToyBackground.GRAY));
        assertEquals("an orange star and a purple square on a checkerboard", ToyWorld.caption(List.of(
                obj(ToyKind.STAR, ToyColor.ORANGE), obj(ToyKind.SQUARE, ToyColor.PURPLE)), ToyBackground.CHECKERBOARD));
    }

    @Test
    void everyKindColorAndBackgroundOccurs() {
        java.util.Set<Object> seen = new java.util.HashSet<>();
        for (long seed = 0; seed < 300; seed++) {
            ToyScene s = world.scene(seed);
            seen.add(s.background());
            for (ToyObject o : s.objects()) { seen.add(o.kind()); seen.add(o.color()); }
        }
        assertEquals(ToyKind.values().length + ToyColor.values().length + ToyBackground.values().length, seen.size());
    }

    private static ToyObject obj(ToyKind k, ToyColor c) { return new ToyObject(k, c, 0, 0, 1, new boolean[0]); }
}
