package zest.convert.ckpt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Damaged checkpoints never escape as anything but a {@link CheckpointException}: random byte edits and cuts of the
 * torch-written views.ckpt, once anywhere in the file (mostly zip structure: the pickle is CRC-checked) and once
 * inside the pickle with the zip rebuilt around it (so the unpickler and the tensor rebuilding see the damage).
 */
class CkptMutationProperties {
    private static final byte[] FILE = CkptFixtures.bytes(CkptFixtures.resource("views.ckpt"));
    private static final byte[] PICKLE = CkptFixtures.entry(CkptFixtures.resource("views.ckpt"), "views/data.pkl");
    private static final byte[] STORAGE = CkptFixtures.entry(CkptFixtures.resource("views.ckpt"), "views/data/0");

    @Property(tries = 400)
    void damagedFilesLoadOrFailCleanly(@ForAll("fileMutants") byte[] file) throws IOException {
        loadOrFailCleanly(file);
    }

    @Property(tries = 600)
    void damagedPicklesLoadOrFailCleanly(@ForAll("pickleMutants") byte[] pickle) throws IOException {
        loadOrFailCleanly(TestZip.checkpoint("views", pickle, STORAGE).bytes());
    }

    @Provide
    Arbitrary<byte[]> fileMutants() { return mutants(FILE); }

    @Provide
    Arbitrary<byte[]> pickleMutants() { return mutants(PICKLE); }

    /** 1 to 6 bytes overwritten with random or boundary values, and sometimes a cut. */
    private static Arbitrary<byte[]> mutants(byte[] original) {
        Arbitrary<int[]> positions = Arbitraries.integers().between(0, original.length - 1).array(int[].class).ofMinSize(1).ofMaxSize(6);
        Arbitrary<byte[]> values = Arbitraries.oneOf(Arbitraries.bytes(), Arbitraries.of((byte) 0, (byte) -1, (byte) 0x7F, (byte) 0x80))
                .array(byte[].class).ofSize(6);
        Arbitrary<Integer> cut = Arbitraries.oneOf(Arbitraries.just(original.length), Arbitraries.integers().between(0, original.length));
        return Combinators.combine(positions, values, cut).as((pos, val, n) -> {
            byte[] b = original.clone();
            for (int i = 0; i < pos.length; i++) b[pos[i]] = val[i];
            return java.util.Arrays.copyOf(b, n);
        });
    }

    private static void loadOrFailCleanly(byte[] file) throws IOException {
        Path p = Files.createTempFile("zest-mutant", ".ckpt");
        try {
            Files.write(p, file);
            CkptFile f = CkptFile.open(p);
            for (var t : f.tensors().values()) t.toFloatArray(); // the views it made must be readable
            Statistics.collect("loaded");
        } catch (CheckpointException expected) {
            Statistics.collect("refused");
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
