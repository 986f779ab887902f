package zest.diffusion.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    /** The tiny architecture, 4 scenes a step, 1 thread (the thread count fixes the summation order). */
    static TrainSettings tiny(int steps, double lr) {
        return new TrainSettings("tiny", steps, 4, lr, 2, 0.1, 0.01, 1.0, 0.999, 0.1, 42L, 1);
    }

    @Test
    void overfitsAFixedBatch() {
        Trainer t = new Trainer(tiny(20, 3e-3));
        Trainer.Batch b = t.batch(0);
        float first = t.trainOn(b), last = first;
        for (int i = 1; i < 20; i++) last = t.trainOn(b);
        assertTrue(Float.isFinite(last));
        assertTrue(last < 0.5f * first, "loss on a fixed batch should fall: " + first + " → " + last);
    }

    @Test
    void sameSettingsReproduceTheSameLosses() {
        Trainer a = new Trainer(tiny(3, 1e-3)), b = new Trainer(tiny(3, 1e-3));
        for (int i = 0; i < 3; i++) {
            assertEquals(Float.floatToRawIntBits(a.trainStep()), Float.floatToRawIntBits(b.trainStep()));
            for (int k = 0; k < a.values().size(); k++) assertArrayEquals(a.values().get(k), b.values().get(k), "step " + (i + 1) + " " + a.names().get(k));
        }
    }

    @Test
    void resumingFromACheckpointContinuesBitIdentically(@TempDir Path dir) {
        Trainer straight = new Trainer(tiny(4, 1e-3));
        for (int i = 0; i < 4; i++) straight.trainStep();

        Trainer killed = new Trainer(tiny(4, 1e-3));
        killed.trainStep();
        killed.trainStep();
        Path ckpt = dir.resolve(TrainCheckpoint.FILE_NAME);
        TrainCheckpoint.save(killed, ckpt);
        killed.trainStep(); // work after the checkpoint is lost when the process dies

        Trainer resumed = TrainCheckpoint.load(ckpt);
        assertEquals(2, resumed.step());
        resumed.trainStep();
        resumed.trainStep();
        assertEquals(straight.losses(), resumed.losses());
        List<float[]> w = straight.values(), r = resumed.values();
        for (int i = 0; i < w.size(); i++) {
            assertArrayEquals(w.get(i), r.get(i), straight.names().get(i));
            assertArrayEquals(straight.emaValues().get(i), resumed.emaValues().get(i), "ema " + straight.names().get(i));
            assertArrayEquals(straight.optimizer().secondMoment(i), resumed.optimizer().secondMoment(i));
        }
    }

    @Test
    void reschedulingOnResumeChangesTheDecayAndIsRecorded(@TempDir Path dir) {
        Trainer t = new Trainer(tiny(10, 1e-3));
        t.trainStep();
        t.trainStep();
        Path ckpt = dir.resolve(TrainCheckpoint.FILE_NAME);
        TrainCheckpoint.save(t, ckpt);
        Trainer resumed = TrainCheckpoint.load(ckpt);
        double before = resumed.settings().schedule().at(5);
        resumed.reschedule(6);
        assertEquals(6, resumed.settings().steps());
        assertTrue(resumed.settings().schedule().at(5) < before, "a shorter run decays sooner");
        assertEquals(List.of(new Trainer.Reschedule(2, 10, 6)), resumed.reschedules());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> resumed.reschedule(2));
        resumed.trainStep();
        TrainCheckpoint.save(resumed, ckpt);
        Trainer again = TrainCheckpoint.load(ckpt);
        assertEquals(resumed.reschedules(), again.reschedules());
        assertEquals(6, again.settings().steps());
        assertEquals("2:10:6", again.reschedules().getFirst().encode());
    }

    @Test
    void lossLogRoundTripsExactly() {
        List<Float> l = List.of(1.0f, 0.123456789f, Float.MIN_VALUE, 3e-8f);
        assertEquals(l, LossLog.decode(LossLog.encode(l)));
    }
}
